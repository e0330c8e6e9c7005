package coffre.kms.cli.ceremony;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.LocalCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.cli.officerkeys.OfficerSigningOptions;
import coffre.kms.cli.output.JsonObject;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.Officer;
import coffre.kms.v1.signing.OfficerKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre ceremony sign DOC --officer-id ID --officer-key FILE --out SIGFILE}: one officer's
 * signature over the document's exact bytes. Refuses if the officer is not in the document, if the
 * document's SHA-256 differs from {@code --expect-sha256}, or if the key file is not the key the
 * document registers for that officer (checked by verifying the new signature with it).
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign the ceremony document as one of its officers, after checking its SHA-256, officers "
                + "and rule. Works offline.")
public final class SignCeremonyCommand extends LocalCommand {

    @Parameters(index = "0", paramLabel = "DOC", description = "The document from 'ceremony prepare'.")
    Path documentFile;

    @Mixin
    OfficerSigningOptions signing;

    @Option(names = "--out", paramLabel = "SIGFILE", required = true, order = 1,
            description = "Signature file to write (JSON).")
    Path out;

    @Option(names = "--expect-sha256", paramLabel = "HEX", order = 2,
            description = "The SHA-256 announced by whoever prepared the document: refuse to sign if it differs.")
    String expectSha256;

    public SignCeremonyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int execute() throws IOException {
        CeremonyFiles.Document document = CeremonyFiles.readDocument(commandLine(), documentFile);
        Officer officer = document.officer(signing.officerId()).orElseThrow(() -> new ParameterException(commandLine(),
                "officer '" + signing.officerId() + "' is not in ceremony document " + documentFile));
        if (expectSha256 != null && !expectSha256.strip().toLowerCase(Locale.ROOT).equals(document.sha256())) {
            throw new ParameterException(commandLine(), "refusing to sign: the SHA-256 of " + documentFile + " is "
                    + document.sha256() + ", not " + expectSha256.strip());
        }
        OfficerSigner signer = signing.load(runtime(), commandLine());
        CeremonySignature signature = signer.ceremony(document.bytes());
        if (!document.verifies(officer, signature)) {
            throw new ParameterException(commandLine(), "refusing to sign: the key in " + signing.keyFile()
                    + " is not the key the document registers for officer '" + officer.getId() + "' (fingerprint "
                    + OfficerKeys.fingerprint(officer.getPublicKey()) + ")");
        }
        write(out, CeremonyFiles.renderSignature(signature));
        if (format() == OutputFormat.JSON) {
            printText(new JsonObject()
                    .string("signature_file", out.toString())
                    .string("document_sha256", document.sha256())
                    .message("signature", signature)
                    .render() + "\n");
        } else {
            printText("You are signing, as officer '" + officer.getId() + "', this ceremony document:\n"
                    + CeremonyFiles.summary(document)
                    + "Signature written to " + out + ".\n");
        }
        return ExitCodes.OK;
    }

    private static void write(Path file, String text) throws IOException {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write --out " + file + ": no such directory", e);
        } catch (IOException e) {
            throw new IOException("cannot write --out " + file + ": " + e.getMessage(), e);
        }
    }
}
