package coffre.kms.cli.output;

import picocli.CommandLine.Option;

/** The {@code -o/--output} flag (a picocli mixin). */
public final class OutputOptions {

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", order = 50,
            description = "Output format: table (default), json, or raw. "
                    + "json prints the API response with proto field names; bytes are base64. "
                    + "raw (wrap, unwrap, rewrap) prints only the resulting bytes in base64.",
            defaultValue = "table")
    OutputFormat format = OutputFormat.TABLE;

    /** The requested format. */
    public OutputFormat format() {
        return format;
    }
}
