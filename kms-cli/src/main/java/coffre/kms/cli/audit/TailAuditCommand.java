package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.args.DurationConverter;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.QueryAuditEventsResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code coffre audit tail [-n N] [--follow]}: the newest events, then (with {@code --follow})
 * new ones as they are written, by asking the server again every {@code --interval}.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "The newest audit events; with --follow, keep printing new ones until interrupted.")
public final class TailAuditCommand extends RpcCommand {

    @Mixin
    AuditFilters filters;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "20",
            description = "How many of the newest events to print first (default ${DEFAULT-VALUE}, at most 1000).")
    int lines;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events.")
    boolean follow;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "How often to ask for new events when following (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--max-events", paramLabel = "N", description = "Stop after printing N events in all.")
    Integer maxEvents;

    public TailAuditCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() {
        if (lines < 0 || lines > 1000) {
            throw new ParameterException(commandLine(), "Invalid value for option '--lines': " + lines
                    + " is not allowed; expected 0 to 1000");
        }
        if (maxEvents != null && maxEvents < 1) {
            throw new ParameterException(commandLine(), "Invalid value for option '--max-events': " + maxEvents
                    + " is not allowed; expected 1 or more");
        }
    }

    @Override
    protected int run(CoffreStubs rpc) {
        int printed = 0;
        String resume = "";
        if (lines > 0) {
            QueryAuditEventsResponse newest = rpc.audit().queryEvents(filters.request()
                    .setNewestFirst(true).setPageSize(lines).build());
            List<AuditEvent> events = new ArrayList<>(newest.getEventsList());
            Collections.reverse(events);
            printed += print(events);
            resume = newest.getResumeToken();
        }
        if (resume.isEmpty() && follow) {
            // Nothing printed yet: follow from the newest event there is.
            resume = rpc.audit().queryEvents(filters.request().setNewestFirst(true).setPageSize(1).build())
                    .getResumeToken();
        }
        while (follow && (maxEvents == null || printed < maxEvents)) {
            QueryAuditEventsResponse page = rpc.audit().queryEvents(filters.request()
                    .setPageSize(1000).setPageToken(resume).build());
            printed += print(page.getEventsList());
            resume = page.getResumeToken();
            if (page.getNextPageToken().isEmpty() && !sleep()) {
                break;
            }
        }
        return ExitCodes.OK;
    }

    private boolean sleep() {
        try {
            Thread.sleep(interval.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private int printedSoFar;

    private int print(List<AuditEvent> events) {
        List<AuditEvent> shown = maxEvents == null ? events
                : events.subList(0, Math.min(events.size(), maxEvents - printedSoFar));
        if (shown.isEmpty()) {
            return 0;
        }
        if (format() == OutputFormat.JSON) {
            shown.forEach(e -> printText(AuditRendering.jsonLine(e)));
        } else {
            printText(AuditRendering.table(shown));
        }
        printedSoFar += shown.size();
        return shown.size();
    }
}
