package coffre.kms.server.telemetry;

import java.util.Locale;

/** The edges a call arrives by: the {@code protocol} label of the call metrics and the traces' {@code rpc.system}. */
public enum Protocol {
    GRPC, XKS, DKE;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The label value: {@code grpc}, {@code xks}, {@code dke}. */
    public String label() {
        return label;
    }
}
