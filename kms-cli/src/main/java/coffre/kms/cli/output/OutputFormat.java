package coffre.kms.cli.output;

/** How a command prints its result on stdout. */
public enum OutputFormat {
    /** For people: aligned tables and labelled blocks. Layout may change between versions. */
    TABLE,
    /** For scripts: the API's response message as JSON with proto field names; stable. */
    JSON
}
