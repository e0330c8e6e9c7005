package coffre.kms.loadtest;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The calls the load generator can make: {@code CryptoService}'s over gRPC, and the four operations
 * of the AWS XKS proxy API (named {@code xks-...} so that a report, whose failures and latencies are
 * keyed by these names, says which protocol it measured).
 */
public enum Operation {
    WRAP("wrap", Protocol.GRPC),
    UNWRAP("unwrap", Protocol.GRPC),
    GENERATE_DATA_KEY("generate-data-key", Protocol.GRPC),
    REWRAP("rewrap", Protocol.GRPC),
    /**
     * RSA-OAEP {@code AsymmetricDecrypt} of a ciphertext the load tool encrypted before the run to
     * each key's public key ({@link RsaCiphertextPool}): the keys are RSA {@code ENCRYPT_DECRYPT} keys.
     */
    ASYMMETRIC_DECRYPT("asymmetric-decrypt", Protocol.GRPC),
    /** {@code Sign} of the payload as a message: the keys are {@code SIGN_VERIFY} keys. */
    SIGN("sign", Protocol.GRPC),
    /** XKS Encrypt: {@code POST .../keys/<externalKeyId>/encrypt}, the payload under the AAD. */
    XKS_ENCRYPT("xks-encrypt", Protocol.XKS),
    /** XKS Decrypt of a ciphertext made before the run ({@link XksCiphertextPool}). */
    XKS_DECRYPT("xks-decrypt", Protocol.XKS),
    /** XKS GetKeyMetadata: {@code POST .../keys/<externalKeyId>/metadata}. */
    XKS_METADATA("xks-metadata", Protocol.XKS),
    /** XKS GetHealthStatus: {@code POST .../health}. */
    XKS_HEALTH("xks-health", Protocol.XKS);

    private final String cliName;
    private final Protocol protocol;

    Operation(String cliName, Protocol protocol) {
        this.cliName = cliName;
        this.protocol = protocol;
    }

    /** Which protocol makes this call. */
    public Protocol protocol() {
        return protocol;
    }

    /** The name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /** True if the operation needs an existing envelope or XKS ciphertext (made during preparation). */
    public boolean needsEnvelope() {
        return this == UNWRAP || this == REWRAP || this == XKS_DECRYPT;
    }

    /** True if the operation needs RSA-OAEP ciphertexts made to the keys' public keys before the run. */
    public boolean needsRsaCiphertext() {
        return this == ASYMMETRIC_DECRYPT;
    }

    /**
     * Parses a command-line name: {@code wrap}, {@code unwrap}, {@code generate-data-key} (also
     * {@code datakey}), {@code rewrap}, {@code asymmetric-decrypt}, {@code sign}, {@code xks-encrypt},
     * {@code xks-decrypt}, {@code xks-metadata}, {@code xks-health}; case-insensitive.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Operation parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        if (name.equals("datakey") || name.equals("generate_data_key")) {
            return GENERATE_DATA_KEY;
        }
        for (Operation op : values()) {
            if (op.cliName.equals(name)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown operation '" + text + "': allowed are "
                + Arrays.stream(values()).map(Operation::cliName).collect(Collectors.joining(", ")) + " (or datakey)");
    }
}
