package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.approvals.ApprovalRendering;
import coffre.kms.cli.approvals.ReviewedRequest;
import coffre.kms.cli.officerkeys.NewFiles;
import coffre.kms.cli.output.KeyStoreRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.cli.output.Printable;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.XksSecretCredential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Base of the commands whose answer carries a new SigV4 credential's secret, the one time it is
 * ever shown ({@code stores create}, {@code stores rotate-credentials}): the approval request as
 * usual, and the credential — on stdout, or with {@code -o json} as the AWS KMS console's proxy
 * configuration file, or with {@code --credential-file} into a new file only its owner can read.
 */
abstract class CredentialIssuingCommand extends RpcCommand {

    @Option(names = "--credential-file", paramLabel = "FILE",
            description = "Write the credential to FILE (created with mode 0600, never overwritten) as the AWS KMS "
                    + "console's proxy configuration file, instead of printing the secret.")
    Path credentialFile;

    CredentialIssuingCommand(CliRuntime runtime) {
        super(runtime);
    }

    /** An existing file fails before any call, so no credential is made that could not be written. */
    @Override
    protected void prepare() throws IOException {
        if (credentialFile != null) {
            NewFiles.requireAbsent("the credential file", credentialFile);
        }
    }

    /**
     * Prints what the server made. With {@code -o json} and no file, stdout is the console file
     * alone (so it can be redirected to one) and the request goes to stderr.
     */
    final void printIssued(ApprovalRequest request, String keyStoreId, XksSecretCredential credential)
            throws IOException {
        if (credentialFile != null) {
            NewFiles.createPrivate("the credential file", credentialFile,
                    KeyStoreRendering.consoleFile(credential).getBytes(StandardCharsets.UTF_8));
        }
        String written = "Credential " + credential.getAccessKeyId() + " written to " + credentialFile
                + " (the AWS KMS console's proxy configuration file, mode 0600).\n";
        if (format() == OutputFormat.JSON) {
            if (credentialFile == null) {
                printText(KeyStoreRendering.consoleFile(credential));
                err().print(Printable.clean("Approval request " + request.getId() + " created for key store "
                        + keyStoreId + "; the credential works once officers approve it (coffre approvals show "
                        + request.getId() + ").") + "\n");
                err().flush();
            } else {
                printText(new coffre.kms.cli.output.JsonObject()
                        .message("approval_request", request)
                        .string("key_store_id", keyStoreId)
                        .string("access_key_id", credential.getAccessKeyId())
                        .string("uri_path", credential.getUriPath())
                        .string("credential_file", credentialFile.toString())
                        .render() + "\n");
            }
            return;
        }
        printText(ApprovalRendering.created(ReviewedRequest.of(request)));
        printText("Key store:          " + Printable.clean(keyStoreId) + "\n");
        printText(credentialFile == null ? KeyStoreRendering.credential(credential) : Printable.clean(written));
    }
}
