package coffre.kms.cli.output;

/** How a command prints its result on stdout. */
public enum OutputFormat {
    /** For people: aligned tables and labelled blocks. Layout may change between versions. */
    TABLE,
    /** For scripts: the API's response message as JSON with proto field names; stable. */
    JSON,
    /**
     * For pipes: only the one value a command produces, in base64 on one line (the envelope of
     * {@code wrap} and {@code rewrap}, the plaintext of {@code unwrap}); what {@code wrap} printed
     * by default before its output was labelled. Other commands refuse it.
     */
    RAW
}
