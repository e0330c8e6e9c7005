package coffre.kms.server.config;

import java.nio.file.Path;

/**
 * The HSM to use. Exactly one of {@code tokenLabel}, {@code slotId}, {@code slotIndex} is set,
 * and exactly one of {@code pinEnv}, {@code pinFile}.
 *
 * @param library          null: the profile's default library path
 * @param sessionKeyCopies null: the profile's default
 */
public record HsmSettings(String profile, Path library, String tokenLabel, Long slotId, Integer slotIndex,
                          String pinEnv, Path pinFile, int sessions, Boolean sessionKeyCopies) {
}
