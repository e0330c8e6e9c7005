package coffre.kms.server.config;

/**
 * The whole server configuration, read once at start and validated (see {@link ConfigLoader}).
 * Holds no secret: the HSM PIN is named by its source (an environment variable or a file).
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
        AuditSettings audit) {
}
