package coffre.kms.cli.grants;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.DataOperationConverter;
import coffre.kms.cli.args.InstantConverter;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.args.KeyValue;
import coffre.kms.cli.args.KeyValues;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.CreateGrantRequest;
import coffre.kms.v1.CreateGrantResponse;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.GrantSpec;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code coffre grants create}: asks officers to let one principal use one key for a while. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Ask to grant one principal some operations on one key, optionally bound to an encryption "
                + "context and a time window. It applies once officers approve; the grant id is the request's result.")
public final class CreateGrantCommand extends RequestingCommand {

    @Option(names = "--key", paramLabel = "KEY", required = true, converter = KeyRef.Converter.class, order = 1,
            description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--principal", paramLabel = "PRINCIPAL", required = true, order = 2,
            description = "The exact principal (mTLS identity) that gets the grant; no globs.")
    String principal;

    @Option(names = "--operation", paramLabel = "OPS", required = true, split = ",", order = 3,
            converter = DataOperationConverter.class,
            description = "What it may do: " + DataOperationConverter.NAMES + "; comma-separated or repeated.")
    List<DataOperation> operations;

    @Option(names = "--context", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class, order = 4,
            description = "The encryption context must hold this pair; repeat for more.")
    List<KeyValue> context;

    @Option(names = "--not-before", paramLabel = "TIME", converter = InstantConverter.class, order = 5,
            description = "Start, ISO 8601 with a zone (e.g. 2026-01-31T18:00:00Z). Default: once approved.")
    Instant notBefore;

    @Option(names = "--not-after", paramLabel = "TIME", converter = InstantConverter.class, order = 6,
            description = "End, ISO 8601 with a zone. Default: no end.")
    Instant notAfter;

    private Map<String, String> contextMap;

    public CreateGrantCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() {
        if (principal.isBlank()) {
            throw new ParameterException(commandLine(), "Invalid value for option '--principal': empty");
        }
        if (principal.contains("*") || principal.contains("?")) {
            throw new ParameterException(commandLine(), "Invalid value for option '--principal': a grant names one "
                    + "exact principal; globs (* ?) belong in an access policy");
        }
        if (notBefore != null && notAfter != null && !notBefore.isBefore(notAfter)) {
            throw new ParameterException(commandLine(), "--not-before " + notBefore + " is not before --not-after " + notAfter);
        }
        contextMap = KeyValues.toMap(commandLine(), "--context", context);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        GrantSpec.Builder grant = GrantSpec.newBuilder()
                .setKeyId(key.value())
                .setPrincipal(principal)
                .addAllOperations(new LinkedHashSet<>(operations))
                .putAllContextConstraints(contextMap);
        if (notBefore != null) {
            grant.setNotBefore(timestamp(notBefore));
        }
        if (notAfter != null) {
            grant.setNotAfter(timestamp(notAfter));
        }
        CreateGrantResponse response = rpc.keys().createGrant(CreateGrantRequest.newBuilder().setGrant(grant).build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }

    private static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }
}
