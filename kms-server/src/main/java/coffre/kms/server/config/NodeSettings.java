package coffre.kms.server.config;

/** @param id this node's name in logs, health and (later) audit records */
public record NodeSettings(String id) {
}
