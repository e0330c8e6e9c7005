package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.Rpc;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AuditEvent;
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

    public ExportAuditCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        if (out != null && Files.exists(out)) {
            throw new picocli.CommandLine.ParameterException(commandLine(), "--out " + out + " already exists");
        }
    }

    @Override
    protected int run(Rpc rpc) throws IOException {
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
}
