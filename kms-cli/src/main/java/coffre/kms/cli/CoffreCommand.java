package coffre.kms.cli;

import coffre.kms.cli.output.OutputFormat;
import coffre.kms.cli.output.OutputOptions;
import coffre.kms.cli.output.ProtoJson;
import com.google.protobuf.MessageOrBuilder;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code coffre} command that does something has: its runtime, {@code -o}, and the
 * writers of its picocli command line. {@link RpcCommand} adds a connection to the server;
 * {@link LocalCommand} is for commands that work on local files only.
 */
public abstract sealed class CoffreCommand implements Callable<Integer> permits RpcCommand, LocalCommand {

    @Mixin
    private OutputOptions output;

    @Spec
    private CommandSpec spec;

    private final CliRuntime runtime;

    CoffreCommand(CliRuntime runtime) {
        this.runtime = runtime;
    }

    /** The runtime this command was built with. */
    protected final CliRuntime runtime() {
        return runtime;
    }

    /** This command's picocli {@code CommandLine}, for {@code ParameterException}s. */
    protected final CommandLine commandLine() {
        return spec.commandLine();
    }

    /** Standard output. */
    protected final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error. */
    protected final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The {@code -o} format. */
    protected final OutputFormat format() {
        return output.format();
    }

    /**
     * Whether this command has one value to print alone for {@code -o raw}. The default is no:
     * a command with several fields refuses {@code -o raw} rather than guess which one is meant.
     */
    protected boolean printsRaw() {
        return false;
    }

    /** Refuses {@code -o raw} on a command that has no single value to print (exit 2, before any work). */
    final void checkFormat() {
        if (format() == OutputFormat.RAW && !printsRaw()) {
            throw new ParameterException(commandLine(), "-o raw prints a single value and is only for wrap, unwrap, "
                    + "rewrap, decrypt, sign and keys public-key; use -o table or -o json");
        }
    }

    /** Prints {@code message} as JSON followed by a newline. */
    protected final void printJson(MessageOrBuilder message) {
        printText(ProtoJson.print(message) + "\n");
    }

    /** Prints {@code text} as is (it carries its own line ends). */
    protected final void printText(String text) {
        out().print(text);
        out().flush();
    }

    /** Prints one {@code error: } line on stderr. */
    protected final void printError(String message) {
        err().println("error: " + message);
        err().flush();
    }
}
