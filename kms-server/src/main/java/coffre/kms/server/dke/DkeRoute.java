package coffre.kms.server.dke;

/**
 * What a DKE request path names.
 *
 * @param operation the operation
 * @param keyName   the DKE key name (the label's key URL is {@code <service URL>/<key name>})
 * @param version   the key version of a decrypt (from the {@code kid} the client was given), 0 for
 *                  a public key
 */
record DkeRoute(Operation operation, String keyName, int version) {
    enum Operation { PUBLIC_KEY, DECRYPT }

    DkeRoute {
        if (operation == null || keyName == null) {
            throw new IllegalArgumentException("a route has an operation and a key name");
        }
        if ((operation == Operation.DECRYPT) != (version > 0)) {
            throw new IllegalArgumentException("a decrypt names a version, a public key none");
        }
    }
}
