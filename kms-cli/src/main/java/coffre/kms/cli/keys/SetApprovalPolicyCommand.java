package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.SetApprovalPolicyRequest;
import coffre.kms.v1.SetApprovalPolicyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coffre keys set-approval-policy KEY --require-unwrap-approval true|false}: asks officers to change it. */
@Command(name = "set-approval-policy", mixinStandardHelpOptions = true,
        description = "Ask to make a key break-glass (every unwrap waits for officers' approval) or to stop that; "
                + "it applies once officers approve.")
public final class SetApprovalPolicyCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--require-unwrap-approval", paramLabel = "true|false", required = true, arity = "1",
            description = "true: every unwrap needs approval; false: unwraps follow the access policy alone.")
    boolean requireUnwrapApproval;

    public SetApprovalPolicyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        SetApprovalPolicyResponse response = rpc.keys().setApprovalPolicy(SetApprovalPolicyRequest.newBuilder()
                .setKeyId(key.value())
                .setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(requireUnwrapApproval))
                .build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
