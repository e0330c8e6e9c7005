package coffre.kms.cli.audit;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.cli.output.TextTable;
import coffre.kms.v1.ChainVerification;
import coffre.kms.v1.VerifyAuditChainProgress;
import coffre.kms.v1.VerifyAuditChainRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import coffre.kms.v1.VerifyAuditChainResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre audit verify [--node N]}: the server checks every chain, including each
 * checkpoint's HMAC inside its HSM, and names the first bad event of each; its progress (every
 * 100,000 events) goes to stderr, and {@code --timeout} bounds the wait for each message, not the
 * whole verification. Exit 0 when everything
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
    protected int run(CoffreStubs rpc) {
        VerifyAuditChainResponse response = verify(rpc);
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
            for (ChainVerification chain : response.getChainsList()) {
                if (chain.hasStart()) {
                    var start = chain.getStart();
                    printText(chain.getNode() + ": starts after a prune through " + String.format("%,d", start.getSequence())
                            + " on " + coffre.kms.cli.output.Times.format(start.getPrunedTime())
                            + ", anchored by checkpoint " + String.format("%,d", start.getCheckpointSequence())
                            + " (archive SHA-256 " + start.getArchiveSha256() + ")\n");
                }
            }
        }
        return response.getValid() ? ExitCodes.OK : ExitCodes.TAMPERED;
    }

    /**
     * Streams the verification, printing its progress on stderr. The call has no deadline: it is
     * cancelled — and the server stops — when no message came for the connection's time-out, so a
     * long log verifies however long it takes, and a hung server still fails within the time-out.
     */
    private VerifyAuditChainResponse verify(CoffreStubs rpc) {
        Context.CancellableContext call = Context.current().withCancellation();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffre-verify-watchdog");
            t.setDaemon(true);
            return t;
        });
        AtomicReference<ScheduledFuture<?>> idle = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean gaveUp = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable rearm = () -> {
            ScheduledFuture<?> previous = idle.getAndSet(watchdog.schedule(() -> {
                gaveUp.set(true);
                call.cancel(null);
            }, rpc.deadline().toMillis(), TimeUnit.MILLISECONDS));
            if (previous != null) {
                previous.cancel(false);
            }
        };
        try {
            return call.call(() -> {
                rearm.run();
                Iterator<VerifyAuditChainProgress> messages = rpc.auditStream().verifyChainStream(
                        VerifyAuditChainRequest.newBuilder().setNode(node == null ? "" : node).build());
                while (messages.hasNext()) {
                    VerifyAuditChainProgress message = messages.next();
                    rearm.run();
                    if (message.hasResult()) {
                        return message.getResult();
                    }
                    err().printf("verifying %s: %,d events checked%n", message.getNode(), message.getEventsChecked());
                    err().flush();
                }
                throw Status.INTERNAL.withDescription("the server ended the verification without a result")
                        .asRuntimeException();
            });
        } catch (StatusRuntimeException e) {
            if (gaveUp.get()) {
                // Reported as the deadline it is, with the call time-out that ran out.
                throw Status.DEADLINE_EXCEEDED.withDescription("no progress from the server within "
                        + rpc.deadline().toMillis() + " ms").asRuntimeException();
            }
            throw e;
        } catch (Exception e) {
            throw Status.UNKNOWN.withCause(e).withDescription(e.toString()).asRuntimeException();
        } finally {
            watchdog.shutdownNow();
            call.cancel(null);
        }
    }
}
