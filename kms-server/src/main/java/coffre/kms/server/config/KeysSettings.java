package coffre.kms.server.config;

import java.time.Duration;

/** @param deletionCheckInterval how often keys past their deletion waiting period are destroyed */
public record KeysSettings(Duration deletionCheckInterval) {
}
