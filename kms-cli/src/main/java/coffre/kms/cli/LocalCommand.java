package coffre.kms.cli;

import java.io.IOException;

/**
 * Base of the commands that never call the server (officer key generation, preparing and signing
 * the ceremony document): they read and write local files only, so they need no connection
 * setting and work on an offline machine.
 */
public abstract non-sealed class LocalCommand extends CoffreCommand {

    protected LocalCommand(CliRuntime runtime) {
        super(runtime);
    }

    /**
     * Does the work and prints the result.
     *
     * @return the exit code, normally {@code ExitCodes.OK}
     * @throws picocli.CommandLine.ParameterException for a bad argument or input file content (exit 2)
     * @throws IOException if a local file cannot be read or written (exit 1)
     */
    protected abstract int execute() throws IOException;

    @Override
    public final Integer call() throws IOException {
        checkFormat();
        return execute();
    }
}
