package coffre.kms.server.keystores;

import java.time.Instant;

/** An external key store: what AWS KMS connects to (one XksProxyUriPath and its SigV4 credentials). */
public record ExternalKeyStore(String id /* xks-<base32> */, String name, String uriPath /* "/<prefix>/kms/xks/v1" */,
                               String region, State state, Instant createTime) {
    public enum State { ENABLED, DISABLED }
}
