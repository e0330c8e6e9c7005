package coffre.kms.server.grpc.crypto;

import coffre.kms.server.crypto.SigningAlgorithm;
import coffre.kms.server.crypto.SigningInput;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.EncryptionAlgorithm;
import com.google.protobuf.ByteString;
import java.util.Map;

/**
 * Maps the asymmetric calls' wire values (crypto.proto's algorithms and the message-or-digest
 * input) to the domain's, and back. An algorithm number this build does not know is refused by
 * its digits, as an unknown enum value is elsewhere.
 */
final class AsymmetricMessages {
    private AsymmetricMessages() {
    }

    /** The input a {@code oneof input { message, digest }} holds. @throws KmsException MISSING_FIELD when neither */
    static SigningInput input(boolean hasMessage, ByteString message, boolean hasDigest, ByteString digest) {
        if (hasMessage) {
            return new SigningInput.Message(message.toByteArray());
        }
        if (hasDigest) {
            return new SigningInput.Digest(digest.toByteArray());
        }
        throw KmsException.missing("message");
    }

    /** Null (the key's own) for UNSPECIFIED. @throws KmsException UNSUPPORTED_ALGORITHM for an unknown number */
    static SigningAlgorithm algorithm(coffre.kms.v1.SigningAlgorithm algorithm, int number) {
        return switch (algorithm) {
            case SIGNING_ALGORITHM_UNSPECIFIED -> null;
            case UNRECOGNIZED -> SigningAlgorithm.named(Integer.toString(number));
            default -> SigningAlgorithm.named(algorithm.name());
        };
    }

    static coffre.kms.v1.SigningAlgorithm toProto(SigningAlgorithm algorithm) {
        return coffre.kms.v1.SigningAlgorithm.valueOf(algorithm.name());
    }

    /** RSAES-OAEP SHA-256 is the one decryption algorithm; UNSPECIFIED means it. */
    static void requireOaep(EncryptionAlgorithm algorithm, int number) {
        if (algorithm != EncryptionAlgorithm.ENCRYPTION_ALGORITHM_UNSPECIFIED
                && algorithm != EncryptionAlgorithm.RSAES_OAEP_SHA_256) {
            throw new KmsException(ErrorReason.UNSUPPORTED_ALGORITHM, "encryption algorithm " + number
                    + " is not RSAES_OAEP_SHA_256, the one AsymmetricDecrypt knows",
                    Map.of("allowed", EncryptionAlgorithm.RSAES_OAEP_SHA_256.name()));
        }
    }
}
