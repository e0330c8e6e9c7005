package coffre.kms.server.domain;

/**
 * An authenticated caller, named by its certificate: a URI (e.g. a SPIFFE id) or, failing that,
 * the subject's common name.
 */
public record Principal(String name) {
    public Principal {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("principal name must not be blank");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
