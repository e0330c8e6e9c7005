package coffre.kms.loadtest;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What the load tool speaks to the node: Coffre's {@code CryptoService} over mTLS gRPC, or the AWS
 * XKS proxy API (SigV4-signed HTTPS/JSON) on the node's XKS listener. Each has its own operations
 * ({@link Operation#protocol()}) and its own connection options; the drivers, histograms and report
 * are the same.
 */
public enum Protocol {
    GRPC("grpc"),
    XKS("xks");

    private final String cliName;

    Protocol(String cliName) {
        this.cliName = cliName;
    }

    /** The name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /** {@code --protocol grpc|xks}, any case; the message lists the allowed values. */
    static final class Converter implements ITypeConverter<Protocol> {
        @Override
        public Protocol convert(String value) {
            String name = value.strip().toLowerCase(Locale.ROOT);
            for (Protocol p : values()) {
                if (p.cliName.equals(name)) {
                    return p;
                }
            }
            throw new TypeConversionException("unknown protocol '" + value + "': allowed are grpc, xks");
        }
    }
}
