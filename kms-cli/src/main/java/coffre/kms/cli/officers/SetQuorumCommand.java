package coffre.kms.cli.officers;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.BoundedInt;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.SetQuorumRuleRequest;
import coffre.kms.v1.SetQuorumRuleResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coffre quorum set --threshold M [--min-per-operator K]}: asks officers to change the rule. */
@Command(name = "set", mixinStandardHelpOptions = true,
        description = "Ask to change the quorum rule; it applies, to requests created afterwards, once officers "
                + "approve under the current rule.")
public final class SetQuorumCommand extends RequestingCommand {

    @Option(names = "--threshold", paramLabel = "M", required = true, converter = BoundedInt.Threshold.class,
            description = "At least M distinct active officers must approve (1-1000).")
    int threshold;

    @Option(names = "--min-per-operator", paramLabel = "K", converter = BoundedInt.MinPerOperator.class, defaultValue = "0",
            description = "And at least K of them from every operator that has an active officer (0-1000; default 0: "
                    + "no per-operator minimum).")
    int minPerOperator;

    public SetQuorumCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        SetQuorumRuleResponse response = rpc.officers().setQuorumRule(SetQuorumRuleRequest.newBuilder()
                .setRule(QuorumRule.newBuilder().setThreshold(threshold).setMinPerOperator(minPerOperator))
                .build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
