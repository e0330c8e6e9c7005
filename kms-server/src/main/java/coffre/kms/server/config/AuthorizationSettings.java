package coffre.kms.server.config;

import java.util.List;

/**
 * Who may do what, by principal pattern (exact or glob with {@code *} and {@code ?}).
 *
 * @param administrators may manage keys (KeyService)
 * @param clients        may use keys (CryptoService)
 */
public record AuthorizationSettings(List<String> administrators, List<String> clients) {
    public AuthorizationSettings {
        administrators = List.copyOf(administrators);
        clients = List.copyOf(clients);
    }
}
