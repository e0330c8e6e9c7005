package coffre.kms.server;

import coffre.hsm.Hsm;
import coffre.hsm.pkcs11.RecoveringHsm;
import java.nio.file.Path;
import java.time.Duration;
import coffre.hsm.pkcs11.Pkcs11HsmConfig;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.TokenSelector;
import coffre.kms.server.config.ConfigException;
import coffre.kms.server.config.HsmSettings;

/**
 * Opens the configured HSM through hsm-adapters, wrapped in a {@link RecoveringHsm}: after the
 * module fails ({@code UNAVAILABLE}), calls fail fast and the module is re-initialised from a
 * fresh copy of its library at most every {@link #REOPEN_INTERVAL}, without a restart.
 */
final class HsmFactory {
    static final Duration REOPEN_INTERVAL = Duration.ofSeconds(2);

    private HsmFactory() {
    }

    /**
     * @throws ConfigException for settings the HSM adapter rejects (e.g. a missing library)
     * @throws coffre.hsm.HsmException when the module, token or login fails
     */
    static Hsm open(HsmSettings settings) {
        Pkcs11HsmConfig config = toConfig(settings);
        try {
            return RecoveringHsm.open(config, Path.of(System.getProperty("java.io.tmpdir"),
                    "coffre-pkcs11-" + ProcessHandle.current().pid()), REOPEN_INTERVAL);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    static Pkcs11HsmConfig toConfig(HsmSettings settings) {
        try {
            TokenSelector token = settings.tokenLabel() != null ? new TokenSelector.Label(settings.tokenLabel())
                    : settings.slotId() != null ? new TokenSelector.SlotId(settings.slotId())
                    : new TokenSelector.SlotIndex(settings.slotIndex());
            PinSource pin = settings.pinEnv() != null ? PinSource.fromEnv(settings.pinEnv())
                    : PinSource.fromFile(settings.pinFile());
            return new Pkcs11HsmConfig(settings.profile(), settings.library(), token, pin, settings.sessions(),
                    settings.sessionKeyCopies());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("hsm: " + e.getMessage(), e);
        }
    }
}
