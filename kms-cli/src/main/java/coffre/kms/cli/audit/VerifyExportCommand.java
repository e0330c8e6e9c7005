package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.LocalCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.TextTable;
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
 * export} on this machine, with no server: sequence, links and every hash, per node. Checkpoint
 * HMACs need the HSM (use {@code coffre audit verify}). Exit 0 when it verifies,
 * {@value ExitCodes#TAMPERED} when an event is bad.
 */
@Command(name = "verify-export", mixinStandardHelpOptions = true,
        description = "Check an audit export offline (hashes and links, per node) and name the first bad event.")
public final class VerifyExportCommand extends LocalCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "A JSON-lines file written by `coffre audit export`.")
    Path file;

    public VerifyExportCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int execute() throws IOException {
        List<AuditEvent> events = read();
        List<OfflineChainCheck.Result> results = OfflineChainCheck.check(events);
        TextTable table = new TextTable("NODE", "RESULT", "EVENTS", "FROM", "TO", "FIRST BAD", "PROBLEM");
        for (OfflineChainCheck.Result r : results) {
            table.row(r.node(), r.valid() ? "valid" : "TAMPERED", Long.toString(r.events()),
                    Long.toString(r.firstSequence()), Long.toString(r.lastSequence()),
                    r.valid() ? "" : Long.toString(r.firstBad()), r.problem());
        }
        printText(table.render());
        if (results.stream().anyMatch(r -> r.firstSequence() != 1)) {
            err().println("note: a chain that does not start at sequence 1 is checked from its first exported event on");
            err().flush();
        }
        return results.stream().allMatch(OfflineChainCheck.Result::valid) ? ExitCodes.OK : ExitCodes.TAMPERED;
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
                } catch (InvalidProtocolBufferException e) {
                    throw new ParameterException(commandLine(), file + " line " + number + " is not an audit event");
                }
                events.add(event.build());
            }
        }
        if (events.isEmpty()) {
            throw new ParameterException(commandLine(), file + " holds no audit event");
        }
        return events;
    }
}
