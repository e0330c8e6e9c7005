package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.Rpc;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.cli.output.TextTable;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.VerifyAuditChainRequest;
import coffre.kms.v1.VerifyAuditChainResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre audit verify [--node N]}: the server checks every chain, including each
 * checkpoint's HMAC inside its HSM, and names the first bad event of each. Exit 0 when everything
 * verifies, {@value ExitCodes#TAMPERED} when an event is bad. To check an export on a machine of
 * your own, see {@link VerifyExportCommand}.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Have the server verify the audit chains (hashes, links, HSM checkpoints) and name the first "
                + "bad event of each.")
public final class VerifyAuditCommand extends RpcCommand {

    @Option(names = "--node", paramLabel = "NODE", description = "Only this node's chain.")
    String node;

    public VerifyAuditCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(Rpc rpc) {
        VerifyAuditChainResponse response = rpc.audit().verifyChain(VerifyAuditChainRequest.newBuilder()
                .setNode(node == null ? "" : node).build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            TextTable table = new TextTable("NODE", "RESULT", "EVENTS", "CHECKPOINTS", "ANCHORED THROUGH", "FIRST BAD", "PROBLEM");
            for (ChainVerification chain : response.getChainsList()) {
                table.row(chain.getNode(), chain.getValid() ? "valid" : "TAMPERED", Long.toString(chain.getEventsChecked()),
                        Long.toString(chain.getCheckpointsChecked()), Long.toString(chain.getAnchoredThrough()),
                        chain.getValid() ? "" : Long.toString(chain.getFirstBadSequence()),
                        chain.getValid() ? "" : chain.getProblem() + ": " + chain.getDetail());
            }
            printText(table.render());
        }
        return response.getValid() ? ExitCodes.OK : ExitCodes.TAMPERED;
    }
}
