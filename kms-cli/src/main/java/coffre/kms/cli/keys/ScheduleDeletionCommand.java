package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.BoundedInt;
import coffre.kms.cli.args.KeyRef;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.ScheduleKeyDeletionRequest;
import coffre.kms.v1.ScheduleKeyDeletionResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre keys schedule-deletion KEY [--days N]}: asks officers to schedule a key's
 * destruction; once approved, the key is refused at once and destroyed after the waiting period.
 * Without {@code --days} the server's default (30) applies.
 */
@Command(name = "schedule-deletion", mixinStandardHelpOptions = true,
        description = "Ask to schedule a key's destruction. Once officers approve, it is refused at once and its HSM "
                + "objects are destroyed after the waiting period unless the deletion is cancelled.")
public final class ScheduleDeletionCommand extends RequestingCommand {

    @Parameters(index = "0", paramLabel = "KEY", converter = KeyRef.Converter.class, description = KeyRef.HELP)
    KeyRef key;

    @Option(names = "--days", paramLabel = "N", converter = BoundedInt.PendingWindowDays.class,
            description = "Waiting period in days, 7-30 (server default 30).")
    Integer days;

    public ScheduleDeletionCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int run(CoffreStubs rpc) {
        ScheduleKeyDeletionRequest.Builder request = ScheduleKeyDeletionRequest.newBuilder().setKeyId(key.value());
        if (days != null) {
            request.setPendingWindowDays(days);
        }
        ScheduleKeyDeletionResponse response = rpc.keys().scheduleKeyDeletion(request.build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
