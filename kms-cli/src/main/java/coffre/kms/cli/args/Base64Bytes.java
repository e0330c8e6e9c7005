package coffre.kms.cli.args;

import java.util.Arrays;
import java.util.Base64;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Bytes given on the command line in standard base64 (RFC 4648 section 4, padding optional).
 *
 * <p>A holder rather than a {@code byte[]} option because picocli treats array options as
 * multi-valued. The bytes may be a plaintext: {@link #toString()} does not show them, and
 * {@link #take()} hands them over once and forgets them.
 */
public final class Base64Bytes {

    private byte[] bytes;

    private Base64Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * The decoded bytes; this holder no longer references them afterwards.
     *
     * @throws IllegalStateException if already taken
     */
    public byte[] take() {
        if (bytes == null) {
            throw new IllegalStateException("already taken");
        }
        byte[] result = bytes;
        bytes = null;
        return result;
    }

    @Override
    public String toString() {
        return "Base64Bytes[" + (bytes == null ? "taken" : bytes.length + " bytes") + "]";
    }

    /**
     * Picocli converter. The error message never repeats the input nor the offending character,
     * since the input may be a plaintext.
     */
    public static final class Converter implements ITypeConverter<Base64Bytes> {
        @Override
        public Base64Bytes convert(String text) {
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(text.strip());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("not valid standard base64");
            }
            if (decoded.length == 0) {
                Arrays.fill(decoded, (byte) 0);
                throw new TypeConversionException("empty value");
            }
            return new Base64Bytes(decoded);
        }
    }
}
