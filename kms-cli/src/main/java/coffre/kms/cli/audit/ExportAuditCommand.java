package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.ProtoJson;
import coffre.kms.v1.AuditArchiveLine;
import coffre.kms.v1.AuditCheckpointRecord;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.ReadAuditChainRequest;
import coffre.kms.v1.ReadAuditChainResponse;
import coffre.kms.v1.QueryAuditEventsResponse;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code coffre audit export [filters] [--out FILE]}: every matching event as JSON lines, the
 * format SIEMs ingest. An unfiltered export of a node's chain (or {@code --node N}) can be checked
 * offline with {@code coffre audit verify --file FILE}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write matching audit events as JSON lines (one event per line, with its hashes), oldest first.")
public final class ExportAuditCommand extends RpcCommand {

    @Mixin
    AuditFilters filters;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE (created; must not exist) instead of stdout.")
    Path out;

    @Option(names = "--through", paramLabel = "SEQ",
            description = "Archive mode (with --node, no other filter): the node's chain from its start (or prune anchor) "
                    + "through the first checkpoint at or after SEQ, with that anchor and the checkpoints, in sequence "
                    + "order; what `coffre audit prune` needs. SEQ must be sealed by a checkpoint.")
    Long through;

    public ExportAuditCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        if (out != null && Files.exists(out)) {
            throw new picocli.CommandLine.ParameterException(commandLine(), "--out " + out + " already exists");
        }
        if (through != null) {
            if (filters.node == null || filters.since != null || filters.until != null || filters.principal != null
                    || filters.keyId != null || filters.type != null) {
                throw new picocli.CommandLine.ParameterException(commandLine(),
                        "--through archives one node's chain: give --node and no other filter");
            }
            if (through < 1) {
                throw new picocli.CommandLine.ParameterException(commandLine(), "--through must be 1 or more");
            }
            if (out == null) {
                throw new picocli.CommandLine.ParameterException(commandLine(),
                        "--through writes an archive: give --out FILE (its SHA-256 is printed for the prune request)");
            }
        }
    }

    @Override
    protected int run(CoffreStubs rpc) throws IOException {
        if (through != null) {
            return archive(rpc);
        }
        long count = 0;
        try (Writer writer = out == null ? null
                : new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW))) {
            String token = "";
            do {
                QueryAuditEventsResponse page = rpc.audit().queryEvents(filters.request()
                        .setPageSize(1000).setPageToken(token).build());
                for (AuditEvent event : page.getEventsList()) {
                    String line = AuditRendering.jsonLine(event);
                    if (writer == null) {
                        printText(line);
                    } else {
                        writer.write(line);
                    }
                    count++;
                }
                token = page.getNextPageToken();
            } while (!token.isEmpty());
        }
        if (out != null) {
            err().println("exported " + count + " event(s) to " + out);
            err().flush();
        }
        return ExitCodes.OK;
    }

    /**
     * Writes the node's chain in sequence order, from its start or prune anchor through the first
     * checkpoint at or after {@code --through}, each checkpoint after the event it names: an
     * archive that {@code verify-export} proves to follow its anchor and to be sealed. The file is
     * removed if the chain holds no such checkpoint yet.
     */
    private static final int PAGE = 1000;

    private int archive(CoffreStubs rpc) throws IOException {
        long count = 0;
        long sealedAt = 0;
        boolean complete = false;
        try (Writer writer = new BufferedWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE_NEW))) {
            long after = 0;
            java.util.Map<Long, AuditCheckpointRecord> pending = new java.util.TreeMap<>();
            while (!complete) {
                ReadAuditChainResponse page = rpc.audit().readChain(ReadAuditChainRequest.newBuilder()
                        .setNode(filters.node).setAfterSequence(after).setPageSize(PAGE).build());
                if (page.hasAnchor()) {
                    writer.write(ProtoJson.compact(AuditArchiveLine.newBuilder().setAnchor(page.getAnchor()).build()) + "\n");
                }
                page.getCheckpointsList().forEach(c -> pending.put(c.getSequence(), c));
                if (page.hasAnchor() && pending.containsKey(page.getAnchor().getSequence())) {
                    writer.write(line(pending.remove(page.getAnchor().getSequence())));
                }
                if (page.getEventsCount() == 0) {
                    break;
                }
                for (AuditEvent event : page.getEventsList()) {
                    writer.write(AuditRendering.jsonLine(event));
                    count++;
                    AuditCheckpointRecord checkpoint = pending.remove(event.getSequence());
                    if (checkpoint != null) {
                        writer.write(line(checkpoint));
                        sealedAt = checkpoint.getSequence();
                        if (sealedAt >= through) {
                            complete = true;
                            break;
                        }
                    }
                    after = event.getSequence();
                }
                if (page.getEventsCount() < PAGE) {
                    // The chain's end as read now: each read is itself audited, so reading on
                    // would follow this command's own events.
                    break;
                }
            }
        } catch (RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
        if (!complete) {
            Files.deleteIfExists(out);
            err().println("event " + through + " of " + filters.node + " is not sealed yet (the last checkpoint is at "
                    + sealedAt + "); nothing was written. Try again after the next checkpoint (10 s).");
            err().flush();
            return ExitCodes.FAILED_PRECONDITION;
        }
        err().println("archived " + count + " event(s) of " + filters.node + " through " + sealedAt + " to " + out);
        err().println("archive SHA-256: " + VerifyExportCommand.sha256(out));
        err().flush();
        return ExitCodes.OK;
    }

    private static String line(AuditCheckpointRecord checkpoint) {
        return ProtoJson.compact(AuditArchiveLine.newBuilder().setCheckpoint(checkpoint).build()) + "\n";
    }
}
