package coffre.kms.cli.officerkeys;

import coffre.kms.cli.args.OfficerId;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerPublicKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --officer id:display name:operator:principal:PUBFILE}: an officer to register. The id,
 * display name and operator are the first three fields and hold no colon; PUBFILE is the last
 * field; the principal is everything in between, so a URI principal
 * ({@code spiffe://example.org/officer/alice}) needs no escaping. The principal may be empty
 * (an officer who never calls the API).
 *
 * @param id the officer id
 * @param displayName shown to people; not empty
 * @param operator the organisation; not empty
 * @param principal the officer's mTLS principal, or empty
 * @param publicKeyFile the officer's {@code .pub} file
 */
public record OfficerSpec(OfficerId id, String displayName, String operator, String principal, Path publicKeyFile) {

    /** The form, for help and messages. */
    public static final String FORM = "ID:DISPLAY NAME:OPERATOR:PRINCIPAL:PUBFILE";

    public OfficerSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(publicKeyFile, "publicKeyFile");
        if (displayName.isBlank()) {
            throw new IllegalArgumentException("the display name is empty");
        }
        if (operator.isBlank()) {
            throw new IllegalArgumentException("the operator is empty");
        }
    }

    /**
     * The officer record, with the public key read from {@link #publicKeyFile}.
     *
     * @throws ParameterException if the file is not a usable public key file
     * @throws IOException if it cannot be read
     */
    public Officer toOfficer(CommandLine commandLine, String option) throws IOException {
        OfficerPublicKey key;
        try {
            key = PublicKeyFile.read(publicKeyFile);
        } catch (KeyFileException e) {
            throw new ParameterException(commandLine, "Invalid value for option '" + option + "': public key file "
                    + publicKeyFile + ": " + e.getMessage(), e);
        }
        return Officer.newBuilder()
                .setId(id.value())
                .setDisplayName(displayName)
                .setOperator(operator)
                .setPrincipal(principal)
                .setPublicKey(key)
                .build();
    }

    /** Picocli converter. */
    public static final class Converter implements ITypeConverter<OfficerSpec> {
        @Override
        public OfficerSpec convert(String text) {
            String[] head = text.split(":", 4);
            int last = text.lastIndexOf(':');
            if (head.length < 4 || last <= text.indexOf(':', text.indexOf(':', text.indexOf(':') + 1) + 1)) {
                throw new TypeConversionException("'" + text + "' is not " + FORM);
            }
            int third = text.indexOf(':', text.indexOf(':', text.indexOf(':') + 1) + 1);
            String principal = text.substring(third + 1, last);
            String file = text.substring(last + 1);
            if (file.isEmpty()) {
                throw new TypeConversionException("'" + text + "' has no PUBFILE (expected " + FORM + ")");
            }
            try {
                return new OfficerSpec(new OfficerId(head[0]), head[1], head[2], principal, Path.of(file));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + text + "': " + e.getMessage() + " (expected " + FORM + ")");
            }
        }
    }
}
