package coffre.kms.server;

import coffre.hsm.Hsm;
import coffre.hsm.pkcs11.HsmTimeouts;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.Pkcs11HsmConfig;
import coffre.hsm.pkcs11.RecoveringHsm;
import coffre.hsm.pkcs11.TokenSelector;
import coffre.kms.server.config.ConfigException;
import coffre.kms.server.config.HsmSettings;
import java.nio.file.Path;

/**
 * Opens the configured HSM through hsm-adapters, wrapped in a {@link RecoveringHsm}: no call waits
 * longer than {@code hsm.operationTimeout} for the HSM; after the module fails, calls fail fast
 * with {@code HSM_UNAVAILABLE} while it is re-initialised in the background from a fresh copy of
 * its library (first after {@code hsm.reinitInterval}), without a restart; the token is probed
 * every {@code hsm.probeInterval}.
 */
final class HsmFactory {
    private HsmFactory() {
    }

    /**
     * @throws ConfigException for settings the HSM adapter rejects (e.g. a missing library)
     * @throws coffre.hsm.HsmException when the module, token or login fails
     */
    static Hsm open(HsmSettings settings) {
        Pkcs11HsmConfig config = toConfig(settings);
        try {
            // Library copies for re-initialisation go to a directory of this process, removed on close.
            return RecoveringHsm.open(config, Path.of(System.getProperty("java.io.tmpdir"),
                    "coffre-pkcs11-" + ProcessHandle.current().pid()));
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
                    settings.sessionKeyCopies(), timeouts(settings));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("hsm: " + e.getMessage(), e);
        }
    }

    /** The deadlines and intervals, as hsm-adapters takes them. */
    static HsmTimeouts timeouts(HsmSettings settings) {
        return new HsmTimeouts(settings.operationTimeout(), settings.probeInterval(), settings.reinitInterval());
    }
}
