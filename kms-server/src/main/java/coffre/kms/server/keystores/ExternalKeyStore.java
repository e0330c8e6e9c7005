package coffre.kms.server.keystores;

import java.time.Instant;
import java.util.Objects;

/**
 * An external key store: what AWS KMS connects to (one {@code XksProxyUriPath} and its SigV4
 * credentials). It exists once officers approved its creation; its name makes the principal
 * {@code xks:<name>} that the access policies of its mapped keys name.
 *
 * @param id       {@code xks-} followed by 26 characters of {@code [a-z2-7]}, chosen by the server
 * @param uriPath  {@code /<prefix>/kms/xks/v1}, exactly as AWS KMS sends it
 * @param region   the AWS Region whose KMS calls the store (the SigV4 scope's region)
 */
public record ExternalKeyStore(String id, String name, String uriPath, String region, State state,
                               Instant createTime) {

    /** A disabled store answers metadata with {@code keyStatus DISABLED} and refuses encrypt and decrypt. */
    public enum State { ENABLED, DISABLED }

    public ExternalKeyStore {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uriPath, "uriPath");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createTime, "createTime");
    }

    /** The same store in {@code newState}. */
    public ExternalKeyStore withState(State newState) {
        return new ExternalKeyStore(id, name, uriPath, region, newState, createTime);
    }
}
