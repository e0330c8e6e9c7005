package coffre.kms.cli.crypto;

import coffre.kms.cli.args.Base64Bytes;
import picocli.CommandLine.Option;

/** {@code --envelope-b64 B64 | --in FILE}: the envelope to unwrap or rewrap (an exclusive picocli group). */
public final class EnvelopeSource {

    @Option(names = "--envelope-b64", paramLabel = "B64", required = true, converter = Base64Bytes.Converter.class,
            description = "The envelope, standard base64.")
    Base64Bytes inline;

    @Option(names = "--in", paramLabel = "FILE", required = true,
            description = "File holding the raw envelope bytes ('-' for standard input).")
    String file;
}
