package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.LocalCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.TextTable;
import coffre.kms.v1.AuditAnchorRecord;
import coffre.kms.v1.AuditArchiveLine;
import coffre.kms.v1.AuditCheckpointRecord;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.audit.OfflineChainCheck;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;

/**
 * {@code coffre audit verify-export FILE}: checks a JSON-lines export from {@code coffre audit
 * export} on this machine, with no server: sequence, links and every hash, per node; for an archive
 * ({@code export --through}) also that it follows its prune anchor and that its checkpoints name
 * its events' hashes. Checkpoint and anchor HMACs need the HSM (use {@code coffre audit verify}
 * while they are live). Prints the file's SHA-256, the digest a prune request names. Exit 0 when
 * it verifies, {@value ExitCodes#TAMPERED} when an event is bad.
 */
@Command(name = "verify-export", mixinStandardHelpOptions = true,
        description = "Check an audit export offline (hashes and links, per node) and name the first bad event.")
public final class VerifyExportCommand extends LocalCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "A JSON-lines file written by `coffre audit export`.")
    Path file;

    public VerifyExportCommand(CliRuntime runtime) {
        super(runtime);
    }

    private final List<AuditCheckpointRecord> checkpoints = new ArrayList<>();
    private final List<AuditAnchorRecord> anchors = new ArrayList<>();

    @Override
    protected int execute() throws IOException {
        List<AuditEvent> events = read();
        List<OfflineChainCheck.Result> results = OfflineChainCheck.check(events, checkpoints, anchors);
        TextTable table = new TextTable("NODE", "RESULT", "EVENTS", "FROM", "TO", "SEALED THROUGH", "FIRST BAD", "PROBLEM");
        for (OfflineChainCheck.Result r : results) {
            table.row(r.node(), r.valid() ? "valid" : "TAMPERED", Long.toString(r.events()),
                    r.anchor() > 0 ? r.firstSequence() + " (after anchor " + r.anchor() + ")" : Long.toString(r.firstSequence()),
                    Long.toString(r.lastSequence()), r.sealedThrough() == 0 ? "" : Long.toString(r.sealedThrough()),
                    r.valid() ? "" : Long.toString(r.firstBad()), r.problem());
        }
        printText(table.render());
        printText("SHA-256 of " + file + ": " + sha256(file) + "\n");
        if (results.stream().anyMatch(r -> r.firstSequence() != 1 && r.anchor() == 0)) {
            err().println("note: a chain that does not start at sequence 1 is checked from its first exported event on");
        }
        if (!checkpoints.isEmpty() || !anchors.isEmpty()) {
            err().println("note: checkpoint and anchor HMACs need the HSM; they were checked against the events' hashes only");
        }
        err().flush();
        return results.stream().allMatch(OfflineChainCheck.Result::valid) ? ExitCodes.OK : ExitCodes.TAMPERED;
    }

    /** Hex SHA-256 of a file's bytes, read in blocks. */
    static String sha256(Path file) throws IOException {
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private List<AuditEvent> read() throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        JsonFormat.Parser parser = JsonFormat.parser();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                AuditEvent.Builder event = AuditEvent.newBuilder();
                try {
                    parser.merge(line, event);
                    events.add(event.build());
                    continue;
                } catch (InvalidProtocolBufferException notAnEvent) {
                    // An archive's checkpoint or anchor line, or neither (below).
                }
                AuditArchiveLine.Builder archived = AuditArchiveLine.newBuilder();
                try {
                    parser.merge(line, archived);
                } catch (InvalidProtocolBufferException e) {
                    throw new ParameterException(commandLine(), file + " line " + number
                            + " is not an audit event, checkpoint or anchor");
                }
                if (archived.hasCheckpoint()) {
                    checkpoints.add(archived.getCheckpoint());
                } else if (archived.hasAnchor()) {
                    anchors.add(archived.getAnchor());
                } else {
                    throw new ParameterException(commandLine(), file + " line " + number
                            + " is not an audit event, checkpoint or anchor");
                }
            }
        }
        if (events.isEmpty()) {
            throw new ParameterException(commandLine(), file + " holds no audit event");
        }
        return events;
    }
}
