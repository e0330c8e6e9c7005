package coffre.kms.cli.xks;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.client.CoffreStubs;
import coffre.kms.v1.CreateXksKeyStoreRequest;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre xks stores create --name N --uri-path P --region R}: asks officers for a new
 * external key store; the server makes its first SigV4 credential at once (the secret in its HSM)
 * and this command shows the secret, once.
 */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Ask for a new AWS external key store. Its first SigV4 credential is made now and shown once; "
                + "the store and the credential work once officers approve the request.")
public final class CreateKeyStoreCommand extends CredentialIssuingCommand {

    @Option(names = "--name", paramLabel = "NAME", required = true,
            description = "1-64 characters of a-z 0-9 -; key policies name the store's calls xks:NAME.")
    String name;

    @Option(names = "--uri-path", paramLabel = "PATH", required = true,
            description = "The XksProxyUriPath AWS KMS will call: /<prefix>/kms/xks/v1, at most 128 characters "
                    + "of A-Z a-z 0-9 / _ -.")
    String uriPath;

    @Option(names = "--region", paramLabel = "REGION", required = true,
            description = "The AWS Region whose KMS calls the store (e.g. eu-west-3).")
    String region;

    public CreateKeyStoreCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        CreateXksKeyStoreResponse response = rpc.xks().createKeyStore(CreateXksKeyStoreRequest.newBuilder()
                .setName(name).setUriPath(uriPath).setRegion(region).build());
        printIssued(response.getApprovalRequest(), response.getKeyStoreId(), response.getCredential());
        return ExitCodes.OK;
    }
}
