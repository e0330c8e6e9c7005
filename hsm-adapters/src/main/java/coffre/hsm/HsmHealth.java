package coffre.hsm;

/** The outcome of {@link Hsm#health()}; {@code detail} is safe to show to operators. */
public record HsmHealth(boolean healthy, String detail) {
}
