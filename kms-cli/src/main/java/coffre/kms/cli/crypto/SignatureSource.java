package coffre.kms.cli.crypto;

import coffre.kms.cli.args.Base64Bytes;
import picocli.CommandLine.Option;

/** {@code --signature-b64 B64 | --signature-in FILE}: the signature {@code verify} checks (an exclusive picocli group). */
public final class SignatureSource {

    @Option(names = "--signature-b64", paramLabel = "B64", required = true, converter = Base64Bytes.Converter.class,
            description = "The signature, standard base64 (as 'coffre sign' prints it).")
    Base64Bytes inline;

    @Option(names = "--signature-in", paramLabel = "FILE", required = true,
            description = "File holding the raw signature bytes ('-' for standard input), e.g. 'coffre sign --out'.")
    String file;
}
