package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AuditAnchorRecord;
import coffre.kms.v1.AuditArchiveLine;
import coffre.kms.v1.AuditCheckpointRecord;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.PruneAuditChainRequest;
import coffre.kms.v1.PruneAuditChainResponse;
import coffre.kms.v1.audit.OfflineChainCheck;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code coffre audit prune --node N --through SEQ --archive FILE}: asks officers to prune a node's
 * audit chain through SEQ (retention, docs/audit.md). The archive is checked here first — it must
 * verify offline and hold the node's events, sealed by a checkpoint, through SEQ — so that nobody
 * asks to prune events whose only copy is not in hand; the request then names its SHA-256, which
 * officers compare with the file before approving.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Ask officers to prune a node's audit chain through SEQ (irreversible), given the archive made by "
                + "`coffre audit export --node N --through SEQ --out FILE`.")
public final class PruneAuditCommand extends RequestingCommand {

    @Option(names = "--node", required = true, paramLabel = "NODE", description = "The node whose chain to prune.")
    String node;

    @Option(names = "--through", required = true, paramLabel = "SEQ",
            description = "The last event to prune (rounded down to a stored row when it runs).")
    long through;

    @Option(names = "--archive", required = true, paramLabel = "FILE",
            description = "The archive holding these events (from `coffre audit export --through`).")
    Path archive;

    public PruneAuditCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        if (through < 1) {
            throw new ParameterException(commandLine(), "--through must be 1 or more");
        }
        if (!Files.isRegularFile(archive)) {
            throw new ParameterException(commandLine(), "--archive " + archive + " is not a file");
        }
        OfflineChainCheck.Result result = check();
        if (!result.valid()) {
            throw new ParameterException(commandLine(), "--archive " + archive + " does not verify: " + result.problem()
                    + " at event " + result.firstBad() + " of " + node);
        }
        if (result.sealedThrough() < through) {
            throw new ParameterException(commandLine(), "--archive " + archive + " holds " + node
                    + "'s events sealed only through " + result.sealedThrough() + ", not through " + through);
        }
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        byte[] digest = HexFormat.of().parseHex(VerifyExportCommand.sha256(archive));
        PruneAuditChainResponse response = rpc.audit().pruneChain(PruneAuditChainRequest.newBuilder()
                .setNode(node).setThroughSequence(through).setArchiveSha256(ByteString.copyFrom(digest)).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }

    /** The archive's check for this node (as {@code verify-export} does it). */
    private OfflineChainCheck.Result check() throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        List<AuditCheckpointRecord> checkpoints = new ArrayList<>();
        List<AuditAnchorRecord> anchors = new ArrayList<>();
        JsonFormat.Parser parser = JsonFormat.parser();
        try (BufferedReader reader = Files.newBufferedReader(archive, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    AuditEvent.Builder event = AuditEvent.newBuilder();
                    parser.merge(line, event);
                    events.add(event.build());
                } catch (InvalidProtocolBufferException notAnEvent) {
                    AuditArchiveLine.Builder archived = AuditArchiveLine.newBuilder();
                    try {
                        parser.merge(line, archived);
                    } catch (InvalidProtocolBufferException e) {
                        throw new ParameterException(commandLine(), "--archive " + archive + " is not an audit archive");
                    }
                    if (archived.hasCheckpoint()) {
                        checkpoints.add(archived.getCheckpoint());
                    }
                    if (archived.hasAnchor()) {
                        anchors.add(archived.getAnchor());
                    }
                }
            }
        }
        return OfflineChainCheck.check(events, checkpoints, anchors).stream().filter(r -> r.node().equals(node))
                .findFirst().orElseThrow(() -> new ParameterException(commandLine(),
                        "--archive " + archive + " holds no event of node " + node));
    }
}
