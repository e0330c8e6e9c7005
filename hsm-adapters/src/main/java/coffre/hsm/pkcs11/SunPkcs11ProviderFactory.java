package coffre.hsm.pkcs11;

import java.nio.file.Path;
import java.security.Provider;
import java.security.Security;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the SunPKCS11 configuration for one token and instantiates the provider.
 *
 * <p>Why these settings: the slot is always given as a resolved {@code slot} id (see
 * {@link SlotResolver}) because SunPKCS11 cannot select a token by label; the provider name is
 * unique per instance so two {@link Pkcs11Hsm}s on one token never share a provider; the only
 * attribute block is {@link KeyTemplates#GENERATE_BLOCK}, so every key the provider generates is
 * sensitive and non-extractable from birth. The provider is never registered with
 * {@link Security#addProvider}: Coffre asks it for services by reference, so no other code in the
 * JVM picks the HSM by accident.
 */
public final class SunPkcs11ProviderFactory {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private SunPkcs11ProviderFactory() {
    }

    /** The SunPKCS11 configuration text for {@code library} and {@code slotId}. */
    public static String configText(String name, Path library, long slotId) {
        if (!name.matches("[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("provider name must be letters, digits and '-', got '" + name + "'");
        }
        String lib = library.toString();
        // SunPKCS11 expands ${...} in the library value, and PKCS11.getInstance caches the module by
        // the exact string, which Pkcs11Native must repeat: refuse anything that could differ.
        if (lib.contains("\"") || lib.contains("\n") || lib.contains("$")) {
            throw new IllegalArgumentException("hsm.library must not contain quotes, '$' or newlines: " + library);
        }
        return "name = " + name + "\n"
                + "library = \"" + lib + "\"\n"
                + "slot = " + slotId + "\n"
                + "handleStartupErrors = halt\n"
                + KeyTemplates.GENERATE_BLOCK;
    }

    /**
     * A new, unregistered SunPKCS11 provider for the token in {@code slotId}.
     *
     * @param profile used in the provider name ({@code SunPKCS11-coffre-<profile>-<n>})
     */
    public static Provider create(String profile, Path library, long slotId) {
        return create(profile, library, slotId, "");
    }

    /**
     * As {@link #create(String, Path, long)}, with {@code attributeBlocks} appended to the
     * configuration: the attributes of keys this one provider is to generate (as
     * {@link KeyTemplates#ecSigningKeyBlock}); the provider name is {@code SunPKCS11-coffre-<purpose>-<n>}.
     */
    static Provider create(String purpose, Path library, long slotId, String attributeBlocks) {
        String name = "coffre-" + purpose + "-" + SEQUENCE.incrementAndGet();
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new IllegalStateException("the JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        // "--" marks inline configuration text rather than a file name. Failures are unchecked
        // (ProviderException, InvalidParameterException) and are mapped by the caller.
        return base.configure("--" + configText(name, library, slotId) + attributeBlocks);
    }
}
