package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.AuditEvent;
import coffre.kms.v1.QueryAuditEventsResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code coffre audit query [filters] [--limit N]}: matching events, oldest first. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = "Audit events matching every filter given, oldest first.")
public final class QueryAuditCommand extends RpcCommand {

    @Mixin
    AuditFilters filters;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "Print at most N events (default ${DEFAULT-VALUE}; 0 for all).")
    int limit;

    public QueryAuditCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() {
        if (limit < 0) {
            throw new ParameterException(commandLine(), "Invalid value for option '--limit': " + limit
                    + " is not allowed; expected 0 (all) or more");
        }
    }

    @Override
    protected int run(CoffreStubs rpc) {
        List<AuditEvent> events = new ArrayList<>();
        String token = "";
        do {
            int want = limit == 0 ? 1000 : Math.min(1000, limit - events.size());
            QueryAuditEventsResponse page = rpc.audit().queryEvents(filters.request()
                    .setPageSize(want).setPageToken(token).build());
            events.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty() && (limit == 0 || events.size() < limit));
        if (format() == OutputFormat.JSON) {
            events.forEach(e -> printText(AuditRendering.jsonLine(e)));
        } else {
            printText(AuditRendering.table(events));
        }
        return ExitCodes.OK;
    }
}
