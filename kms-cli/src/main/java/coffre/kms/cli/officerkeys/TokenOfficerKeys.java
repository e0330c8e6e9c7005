package coffre.kms.cli.officerkeys;

import coffre.hsm.HsmException;
import coffre.hsm.pkcs11.TokenSigningKeys;
import coffre.kms.cli.CliRuntime;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Officer keys on a PKCS#11 token or smartcard, through hsm-adapters' {@link TokenSigningKeys}:
 * ECDSA P-256 only (the JDK's SunPKCS11 has no EdDSA). The private key is generated inside the
 * token, sensitive and never extractable; signing happens on the token.
 */
final class TokenOfficerKeys {

    private TokenOfficerKeys() {
    }

    /** The public key that keygen writes, from a token's public key. */
    static OfficerPublicKey officerPublicKey(PublicKey key) {
        // Canonical whatever encoding the token's provider gives, as the server accepts no other.
        return OfficerKeys.canonical(OfficerPublicKey.newBuilder()
                .setAlgorithm(SignatureAlgorithm.ECDSA_P256_SHA256)
                .setSpkiDer(ByteString.copyFrom(key.getEncoded()))
                .build());
    }

    /**
     * Opens the token and finds the officer key labelled {@code --key-label}.
     *
     * @throws ParameterException for bad options, a refused PIN, or no usable P-256 key under that label (exit 2)
     * @throws IOException if the PIN file cannot be read (exit 1)
     */
    static OfficerPrivateKey load(CliRuntime runtime, CommandLine commandLine, Pkcs11KeyOptions options) throws IOException {
        TokenSigningKeys token = options.open(runtime, commandLine);
        String label = options.keyLabel();
        PrivateKey key;
        PublicKey publicKey;
        try {
            key = token.privateKey(label);
            publicKey = token.publicKey(label);
        } catch (HsmException e) {
            throw new ParameterException(commandLine, "--key-label " + label + ": " + e.getMessage());
        }
        try {
            if (!"EC".equals(key.getAlgorithm())) {
                throw new IllegalArgumentException("it is a " + key.getAlgorithm() + " key");
            }
            OfficerKeys.publicKey(officerPublicKey(publicKey));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandLine, "--key-label " + label + " on token '" + options.token()
                    + "' is not an ECDSA P-256 officer key: " + e.getMessage());
        }
        return OfficerPrivateKey.onToken(key, token.provider());
    }
}
