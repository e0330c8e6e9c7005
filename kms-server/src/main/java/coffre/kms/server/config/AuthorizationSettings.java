package coffre.kms.server.config;

import java.util.List;

/**
 * Who may do what, by principal pattern (exact or glob with {@code *} and {@code ?}).
 *
 * @param administrators may request changes (KeyService, OfficerService) and everything officers may
 * @param officers       may review approval requests and carry officers' signed decisions
 * @param clients        may call CryptoService at all; each key's policy and grants decide further
 */
public record AuthorizationSettings(List<String> administrators, List<String> officers, List<String> clients) {
    public AuthorizationSettings {
        administrators = List.copyOf(administrators);
        officers = List.copyOf(officers);
        clients = List.copyOf(clients);
    }
}
