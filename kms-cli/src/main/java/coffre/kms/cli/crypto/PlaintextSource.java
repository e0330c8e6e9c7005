package coffre.kms.cli.crypto;

import coffre.kms.cli.args.Base64Bytes;
import picocli.CommandLine.Option;

/** {@code --plaintext-b64 B64 | --in FILE}: what to wrap (an exclusive picocli group). */
public final class PlaintextSource {

    @Option(names = "--plaintext-b64", paramLabel = "B64", required = true, converter = Base64Bytes.Converter.class,
            description = "The plaintext, standard base64. Other local users can see command lines: "
                    + "prefer --in for real secrets.")
    Base64Bytes inline;

    @Option(names = "--in", paramLabel = "FILE", required = true,
            description = "File holding the raw plaintext bytes ('-' for standard input).")
    String file;
}
