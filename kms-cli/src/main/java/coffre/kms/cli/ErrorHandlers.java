package coffre.kms.cli;

import coffre.kms.cli.errors.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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

    /**
     * Prints each line of the message prefixed with {@code error: }, then suggestions and a help
     * pointer. Two picocli messages hide the real mistake, so this adds it:
     * <ul>
     *   <li>a missing required option (or argument) is reported alone even when the line holds an
     *       unknown option, usually its misspelling ({@code --keyy}): the unknown options are
     *       named first, with picocli's suggestions;</li>
     *   <li>options put before the subcommand ({@code coffre -o json keys list}) are unknown to
     *       the command they were given to: a hint says where they go.</li>
     * </ul>
     */
    static final class Usage implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine command = ex.getCommandLine();
            PrintWriter err = command.getErr();
            if (!(ex instanceof UnmatchedArgumentException)) {
                List<String> unknown = unknownOptions(command, args);
                if (!unknown.isEmpty()) {
                    UnmatchedArgumentException unmatched = new UnmatchedArgumentException(command, unknown);
                    err.println("error: " + unmatched.getMessage());
                    UnmatchedArgumentException.printSuggestions(unmatched, err);
                }
            }
            String message = ex.getMessage() == null ? "invalid usage" : ex.getMessage();
            // Some picocli messages start with their own "Error: "; ours already says "error:".
            message = message.startsWith("Error: ") ? message.substring("Error: ".length()) : message;
            message.lines().forEach(line -> err.println("error: " + line));
            UnmatchedArgumentException.printSuggestions(ex, err);
            optionsBeforeSubcommand(ex, args).ifPresent(err::println);
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCodes.USAGE;
        }

        /**
         * The words of {@code args} that look like options ({@code -x}, {@code --name[=value]})
         * and that neither {@code command} nor any command above it knows. Words after
         * {@code --}, and a lone {@code -} (standard input), are not options.
         */
        static List<String> unknownOptions(CommandLine command, String[] args) {
            List<String> unknown = new ArrayList<>();
            for (String arg : args) {
                if (arg.equals("--")) {
                    break;
                }
                // A lone "-" is standard input; "-5" is a (bad) number, for its option to report.
                if (!arg.startsWith("-") || arg.equals("-") || arg.matches("-\\d.*")) {
                    continue;
                }
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                // "-ojson" is the short option -o with its value attached.
                boolean attached = !arg.startsWith("--") && arg.length() > 2
                        && knownAnywhereAbove(command, arg.substring(0, 2));
                if (!attached && !knownAnywhereAbove(command, name)) {
                    unknown.add(name);
                }
            }
            return unknown;
        }

        private static boolean knownAnywhereAbove(CommandLine command, String name) {
            for (CommandLine c = command; c != null; c = c.getParent()) {
                if (c.getCommandSpec().optionsMap().containsKey(name)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * A hint when unknown options were given to a command that has subcommands, and the line
         * names one of those subcommands after them: the options most likely belong to it.
         */
        static Optional<String> optionsBeforeSubcommand(ParameterException ex, String[] args) {
            if (!(ex instanceof UnmatchedArgumentException unmatched) || !unmatched.isUnknownOption()) {
                return Optional.empty();
            }
            // Follow the subcommand names on the line down from the command that refused the options.
            CommandLine target = ex.getCommandLine();
            List<String> path = new ArrayList<>();
            for (String arg : args) {
                CommandLine sub = target.getSubcommands().get(arg);
                if (sub != null && !sub.getCommandSpec().name().equals("help")) {
                    target = sub;
                    path.add(arg);
                }
            }
            if (path.isEmpty()) {
                return Optional.empty();
            }
            List<String> misplaced = unmatched.getUnmatched();
            return Optional.of("hint: options go after the subcommand they belong to, e.g. '"
                    + target.getCommandSpec().qualifiedName() + " " + String.join(" ", misplaced) + "'");
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
