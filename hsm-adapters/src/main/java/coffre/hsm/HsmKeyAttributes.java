package coffre.hsm;

/** Security attributes of a key as the HSM reports them. */
public record HsmKeyAttributes(
        String label,
        boolean token,
        boolean sensitive,
        boolean extractable,
        boolean neverExtractable,
        boolean local,
        int keyLengthBytes) {
}
