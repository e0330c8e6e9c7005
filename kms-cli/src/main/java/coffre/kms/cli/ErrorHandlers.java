package coffre.kms.cli;

import coffre.kms.cli.errors.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How failures outside a gRPC call reach the user: usage errors as {@code error:} lines plus a
 * pointer to {@code --help} (exit 2), local I/O failures as one {@code error:} line (exit 1).
 * Failed calls are reported by {@link RpcCommand} itself, which knows the endpoint and timeout.
 *
 * <p>The full usage text is not dumped on every typo: it buries the one line that matters.
 */
final class ErrorHandlers {

    private ErrorHandlers() {
    }

    /** Prints each line of the message prefixed with {@code error: }, then suggestions and a help pointer. */
    static final class Usage implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine command = ex.getCommandLine();
            PrintWriter err = command.getErr();
            String message = ex.getMessage() == null ? "invalid usage" : ex.getMessage();
            // Some picocli messages start with their own "Error: "; ours already says "error:".
            message = message.startsWith("Error: ") ? message.substring("Error: ".length()) : message;
            message.lines().forEach(line -> err.println("error: " + line));
            UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        }
    }

    /** Reports exceptions thrown by a command's own code. */
    static final class Execution implements IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine command, ParseResult parseResult) {
            PrintWriter err = command.getErr();
            if (ex instanceof IOException || ex instanceof UncheckedIOException) {
                err.println("error: " + ex.getMessage());
            } else {
                err.println("error: unexpected failure in coffre: " + ex);
            }
            err.flush();
            return ExitCodes.LOCAL_FAILURE;
        }
    }
}
