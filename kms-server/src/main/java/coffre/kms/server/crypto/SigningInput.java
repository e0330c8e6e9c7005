package coffre.kms.server.crypto;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * What {@code Sign} signs and {@code Verify} checks: a message, which the server hashes with the
 * algorithm's hash, or a digest the caller took with it. Both give the same signature for the same
 * message: the HSM always signs a digest. The bytes are never shown by {@link #toString}.
 */
public sealed interface SigningInput {
    /** The longest message the server hashes itself; longer ones are signed by their digest. */
    int MAX_MESSAGE_BYTES = 4096;

    /**
     * The digest to sign or check with {@code algorithm}.
     *
     * @throws KmsException {@link ErrorReason#SIGNING_INPUT_TOO_LARGE} for a message over
     *         {@value #MAX_MESSAGE_BYTES} bytes; {@link ErrorReason#INVALID_DIGEST} for a digest that is
     *         not the hash's length
     */
    byte[] digest(SigningAlgorithm algorithm);

    /** A message of at most {@value #MAX_MESSAGE_BYTES} bytes (empty is a message too). */
    record Message(byte[] bytes) implements SigningInput {
        public Message {
            bytes = bytes.clone();
        }

        @Override
        public byte[] digest(SigningAlgorithm algorithm) {
            if (bytes.length > MAX_MESSAGE_BYTES) {
                throw new KmsException(ErrorReason.SIGNING_INPUT_TOO_LARGE, "the message is " + bytes.length
                        + " bytes; the limit is " + MAX_MESSAGE_BYTES + ": send its " + algorithm.digestAlgorithm()
                        + " digest instead", Map.of("limit", Integer.toString(MAX_MESSAGE_BYTES)));
            }
            try {
                return MessageDigest.getInstance(algorithm.digestAlgorithm()).digest(bytes);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(algorithm.digestAlgorithm() + " is always available", e);
            }
        }

        @Override
        public String toString() {
            return "Message[" + bytes.length + " bytes]";
        }
    }

    /** A digest taken by the caller with the algorithm's hash. */
    record Digest(byte[] bytes) implements SigningInput {
        public Digest {
            bytes = bytes.clone();
        }

        @Override
        public byte[] digest(SigningAlgorithm algorithm) {
            if (bytes.length != algorithm.digestLength()) {
                throw new KmsException(ErrorReason.INVALID_DIGEST, "a " + algorithm.digestAlgorithm() + " digest is "
                        + algorithm.digestLength() + " bytes, not " + bytes.length,
                        Map.of("length", Integer.toString(algorithm.digestLength())));
            }
            return bytes.clone();
        }

        @Override
        public String toString() {
            return "Digest[" + bytes.length + " bytes]";
        }
    }
}
