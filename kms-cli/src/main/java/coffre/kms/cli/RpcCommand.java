package coffre.kms.cli;

import coffre.kms.cli.connection.CallAttempts;
import coffre.kms.cli.connection.ConfigurationException;
import coffre.kms.cli.connection.ConnectionOptions;
import coffre.kms.cli.connection.ConnectionResolver;
import coffre.kms.cli.connection.ConnectionSettings;
import coffre.kms.cli.errors.RpcErrorFormatter;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/**
 * Base of every command that calls the server. It owns the shared steps so each command class
 * holds only its own options and its one call:
 *
 * <ol>
 *   <li>{@link #prepare()}: check arguments and read local input, before any connection, so a
 *       typo costs no round trip and gets a usage error;</li>
 *   <li>resolve the connection settings (flag, env, file, default) and open the channel; a
 *       missing or bad setting is a usage error (exit 2);</li>
 *   <li>{@link #run(Rpc)}; a failed call becomes one {@code error:} line on stderr and the exit
 *       code of its category (see {@code ExitCodes});</li>
 *   <li>shut the channel down, whatever happened.</li>
 * </ol>
 */
public abstract non-sealed class RpcCommand extends CoffreCommand {

    @Mixin
    private ConnectionOptions connection;

    protected RpcCommand(CliRuntime runtime) {
        super(runtime);
    }

    /**
     * Checks arguments that picocli cannot check alone and reads local inputs. Runs before any
     * connection. The default does nothing.
     *
     * @throws ParameterException for a bad argument (exit 2)
     * @throws IOException if a local input cannot be read (exit 1)
     */
    protected void prepare() throws IOException {
    }

    /**
     * Makes the command's call(s) and prints the result.
     *
     * @return the exit code, normally {@code ExitCodes.OK}
     * @throws StatusRuntimeException from a call; reported by the caller of this method
     * @throws IOException if a local output cannot be written (exit 1)
     */
    protected abstract int run(Rpc rpc) throws IOException;

    @Override
    public final Integer call() throws IOException {
        checkFormat();
        prepare();
        ConnectionSettings settings;
        ManagedChannel channel;
        try {
            settings = new ConnectionResolver(runtime().env()).resolve(connection.toFlags());
            channel = runtime().channels().open(settings);
        } catch (ConfigurationException e) {
            throw new ParameterException(commandLine(), e.getMessage(), e);
        }
        CallAttempts attempts = new CallAttempts();
        try {
            return run(new Rpc(ClientInterceptors.intercept(channel, attempts), settings.timeout()));
        } catch (StatusRuntimeException e) {
            RpcErrorFormatter.Report report = new RpcErrorFormatter(settings.endpoints(), settings.timeout())
                    .format(e, attempts.lastCall());
            err().println(report.line());
            err().flush();
            return report.exitCode();
        } finally {
            close(channel);
        }
    }

    private static void close(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            // The command is over either way; keep the interrupt for whoever runs us.
            Thread.currentThread().interrupt();
        }
    }
}
