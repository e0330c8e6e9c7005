package coffre.kms.server.config;

/**
 * The whole server configuration, read once at start and validated (see {@link ConfigLoader}).
 * Holds no secret: the HSM PIN is named by its source (an environment variable or a file).
 *
 * @param xks the listener for AWS external key stores, or null for none
 * @param dke the listener for Microsoft 365 Double Key Encryption, or null for none
 * @param telemetry metrics and traces
 * @param logging how the node logs (text or JSON lines, level); applied by Main before the node starts
 */
public record ServerConfig(
        NodeSettings node,
        ServerSettings server,
        TlsSettings tls,
        HsmSettings hsm,
        StoreSettings store,
        AuthorizationSettings authorization,
        KeysSettings keys,
        ApprovalSettings approvals,
        AuditSettings audit,
        XksSettings xks,
        DkeSettings dke,
        TelemetrySettings telemetry,
        LoggingSettings logging) {

    public ServerConfig {
        telemetry = telemetry == null ? TelemetrySettings.DEFAULT : telemetry;
        logging = logging == null ? LoggingSettings.DEFAULT : logging;
    }

    /** With the default telemetry (metrics recorded, not served; no traces) and logging. */
    public ServerConfig(NodeSettings node, ServerSettings server, TlsSettings tls, HsmSettings hsm, StoreSettings store,
                        AuthorizationSettings authorization, KeysSettings keys, ApprovalSettings approvals,
                        AuditSettings audit, XksSettings xks, DkeSettings dke) {
        this(node, server, tls, hsm, store, authorization, keys, approvals, audit, xks, dke, null, null);
    }

    /** Without an XKS listener. */
    public ServerConfig(NodeSettings node, ServerSettings server, TlsSettings tls, HsmSettings hsm, StoreSettings store,
                        AuthorizationSettings authorization, KeysSettings keys, ApprovalSettings approvals,
                        AuditSettings audit) {
        this(node, server, tls, hsm, store, authorization, keys, approvals, audit, null, null);
    }

    /** Without a DKE listener. */
    public ServerConfig(NodeSettings node, ServerSettings server, TlsSettings tls, HsmSettings hsm, StoreSettings store,
                        AuthorizationSettings authorization, KeysSettings keys, ApprovalSettings approvals,
                        AuditSettings audit, XksSettings xks) {
        this(node, server, tls, hsm, store, authorization, keys, approvals, audit, xks, null);
    }

    /** The same configuration with {@code xks} as its XKS listener. */
    public ServerConfig withXks(XksSettings xks) {
        return new ServerConfig(node, server, tls, hsm, store, authorization, keys, approvals, audit, xks, dke,
                telemetry, logging);
    }

    /** The same configuration with {@code dke} as its DKE listener. */
    public ServerConfig withDke(DkeSettings dke) {
        return new ServerConfig(node, server, tls, hsm, store, authorization, keys, approvals, audit, xks, dke,
                telemetry, logging);
    }

    /** The same configuration with {@code telemetry}. */
    public ServerConfig withTelemetry(TelemetrySettings telemetry) {
        return new ServerConfig(node, server, tls, hsm, store, authorization, keys, approvals, audit, xks, dke,
                telemetry, logging);
    }
}
