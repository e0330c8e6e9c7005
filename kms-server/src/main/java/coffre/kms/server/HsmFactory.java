package coffre.kms.server;

import coffre.hsm.Hsm;
import coffre.hsm.pkcs11.Pkcs11Hsm;
import coffre.hsm.pkcs11.Pkcs11HsmConfig;
import coffre.hsm.pkcs11.PinSource;
import coffre.hsm.pkcs11.TokenSelector;
import coffre.kms.server.config.ConfigException;
import coffre.kms.server.config.HsmSettings;

/** Opens the configured HSM through hsm-adapters. */
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
            return Pkcs11Hsm.open(config);
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
