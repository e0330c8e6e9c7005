package coffre.kms.cli;

import coffre.kms.cli.connection.CallAttempts;
import coffre.kms.cli.connection.ConfigurationException;
import coffre.kms.cli.connection.ConnectionOptions;
import coffre.kms.cli.connection.ConnectionResolver;
import coffre.kms.cli.errors.RpcErrorFormatter;
import coffre.kms.client.CoffreClient;
import coffre.kms.client.CoffreStubs;
import coffre.kms.client.ConnectionSettings;
import coffre.kms.client.TlsMaterialException;
import io.grpc.ClientInterceptors;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/**
 * Base of every command that calls the server. It owns the shared steps so each command class
 * holds only its own options and its one call:
 *
 * <ol>
 *   <li>{@link #prepare()}: check arguments and read local input, before any connection, so a
 *       typo costs no round trip and gets a usage error;</li>
 *   <li>resolve the connection settings (flag, env, file, default) and open a {@link CoffreClient}
 *       through the runtime's channel factory; a missing or bad setting, or TLS files that cannot
 *       be loaded, is a usage error (exit 2);</li>
 *   <li>{@link #run(CoffreStubs)}; a failed call becomes one {@code error:} line on stderr and the exit
 *       code of its category (see {@code ExitCodes});</li>
 *   <li>close the client, whatever happened.</li>
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
    protected abstract int run(CoffreStubs rpc) throws IOException;

    @Override
    public final Integer call() throws IOException {
        checkFormat();
        prepare();
        ConnectionSettings settings;
        CoffreClient client;
        try {
            settings = new ConnectionResolver(runtime().env()).resolve(connection.toFlags());
            client = open(settings);
        } catch (ConfigurationException | TlsMaterialException e) {
            throw new ParameterException(commandLine(), e.getMessage(), e);
        }
        CallAttempts attempts = new CallAttempts();
        try {
            return run(new CoffreStubs(ClientInterceptors.intercept(client.channel(), attempts), client.deadline()));
        } catch (StatusRuntimeException e) {
            RpcErrorFormatter.Report report = new RpcErrorFormatter(settings.endpoints(), settings.timeout())
                    .format(e, attempts.lastCall());
            err().println(report.line());
            err().flush();
            return report.exitCode();
        } finally {
            client.close();
        }
    }

    private CoffreClient open(ConnectionSettings settings) throws TlsMaterialException {
        CoffreClient.Builder builder = CoffreClient.builder()
                .endpoints(settings.endpoints())
                .tls(settings.caCert(), settings.cert(), settings.key())
                .deadline(settings.timeout())
                .channelFactory(runtime().channels());
        settings.authority().ifPresent(builder::authority);
        return builder.build();
    }
}
