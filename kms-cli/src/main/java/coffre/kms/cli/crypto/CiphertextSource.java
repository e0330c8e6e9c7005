package coffre.kms.cli.crypto;

import coffre.kms.cli.args.Base64Bytes;
import picocli.CommandLine.Option;

/** {@code --ciphertext-b64 B64 | --in FILE}: the RSA-OAEP ciphertext to decrypt (an exclusive picocli group). */
public final class CiphertextSource {

    @Option(names = "--ciphertext-b64", paramLabel = "B64", required = true, converter = Base64Bytes.Converter.class,
            description = "The ciphertext, standard base64 (exactly the key's modulus length once decoded).")
    Base64Bytes inline;

    @Option(names = "--in", paramLabel = "FILE", required = true,
            description = "File holding the raw ciphertext bytes ('-' for standard input).")
    String file;
}
