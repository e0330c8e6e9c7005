package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.args.PolicyFile;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.SetAccessPolicyRequest;
import coffre.kms.v1.SetAccessPolicyResponse;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffre keys set-policy KEY --policy-file FILE}: asks officers to replace a key's access policy. */
@Command(name = "set-policy", mixinStandardHelpOptions = true,
        description = {"Ask to replace a key's access policy; it applies once officers approve.",
            "The policy file is a JSON AccessPolicy, for example:",
            "  {\"rules\": [{\"principals\": [\"spiffe://prod/ns/orders/*\"], \"operations\": [\"WRAP\", \"UNWRAP\"]}],",
            "   \"required_context\": [{\"key\": \"tenant\"}]}",
            "Principals may hold globs (* and ?); operations are WRAP, UNWRAP, GENERATE_DATA_KEY, REWRAP (AES keys), DECRYPT, SIGN, VERIFY, GET_PUBLIC_KEY (asymmetric keys)."})
public final class SetPolicyCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--policy-file", paramLabel = "FILE", required = true, description = "The new policy, JSON AccessPolicy.")
    Path policyFile;

    private AccessPolicy policy;

    public SetPolicyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        policy = PolicyFile.read(commandLine(), "--policy-file", policyFile);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        SetAccessPolicyResponse response = rpc.keys().setAccessPolicy(SetAccessPolicyRequest.newBuilder()
                .setKeyId(key.value())
                .setAccessPolicy(policy)
                .build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
