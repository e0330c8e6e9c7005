package coffre.kms.cli;

import coffre.kms.client.ChannelFactory;
import coffre.kms.client.TlsChannelFactory;
import coffre.kms.cli.crypto.DataKeyCommand;
import coffre.kms.cli.crypto.DecryptCommand;
import coffre.kms.cli.crypto.SignCommand;
import coffre.kms.cli.crypto.VerifyCommand;
import coffre.kms.cli.crypto.RewrapCommand;
import coffre.kms.cli.crypto.UnwrapCommand;
import coffre.kms.cli.crypto.WrapCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.approvals.ApprovalsCommand;
import coffre.kms.cli.audit.AuditCommand;
import coffre.kms.cli.ceremony.CeremonyCommand;
import coffre.kms.cli.grants.GrantsCommand;
import coffre.kms.cli.keys.KeysCommand;
import coffre.kms.cli.officerkeys.OfficerCommand;
import coffre.kms.cli.officers.OfficersCommand;
import coffre.kms.cli.officers.QuorumCommand;
import coffre.kms.cli.dke.DkeCommand;
import coffre.kms.cli.xks.XksCommand;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code coffre}, the Coffre command line.
 *
 * <p>Run as a program through {@link #main}. Run as a library, for instance by end-to-end tests
 * that drive commands in-process against a real or fake server, through
 * {@link #newCommandLine(ChannelFactory, Map, PrintWriter, PrintWriter)} and
 * {@code CommandLine.execute(args)}, which returns the exit code and never calls
 * {@code System.exit}. Nothing is static or global: each {@code CommandLine} holds its own
 * channel factory, environment and writers, so several can run side by side.
 */
@Command(
        name = "coffre",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Command line for Coffre, the HSM-backed key-management service.%n"
                + "Connects over mutual TLS; see the connection options of any command "
                + "(e.g. 'coffre keys list --help') and their COFFRE_* environment variables.")
public final class CoffreCli {

    /**
     * The top-level commands, in the order {@code coffre --help} lists them. They are added in
     * code rather than in {@code @Command(subcommands)} so that a call can build only the one it
     * runs (see {@link #newCommandLine(CliRuntime, PrintWriter, PrintWriter, String[])}).
     */
    private static final List<Class<?>> COMMANDS = List.of(
            KeysCommand.class,
            WrapCommand.class,
            UnwrapCommand.class,
            DataKeyCommand.class,
            RewrapCommand.class,
            DecryptCommand.class,
            SignCommand.class,
            VerifyCommand.class,
            GrantsCommand.class,
            AuditCommand.class,
            ApprovalsCommand.class,
            OfficerCommand.class,
            OfficersCommand.class,
            QuorumCommand.class,
            CeremonyCommand.class,
            XksCommand.class,
            DkeCommand.class,
            HelpCommand.class);

    private CoffreCli() {
    }

    /** Runs {@code coffre} with the process environment, standard streams and the mTLS channel factory, then exits. */
    public static void main(String[] args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        // The default config file lives under HOME; take it from the JVM if the shell did not export it.
        env.putIfAbsent("HOME", System.getProperty("user.home"));
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int exitCode = newCommandLine(new CliRuntime(new TlsChannelFactory(), env, System.in), out, err, args)
                .execute(args);
        out.flush();
        err.flush();
        System.exit(exitCode);
    }

    /**
     * A ready {@code coffre} command line whose standard input is empty.
     *
     * @param channels opens the channel each command uses (e.g. an in-process channel in tests)
     * @param env stands in for the process environment: COFFRE_* settings, HOME, XDG_CONFIG_HOME
     * @param out where results go
     * @param err where errors go
     */
    public static CommandLine newCommandLine(
            ChannelFactory channels, Map<String, String> env, PrintWriter out, PrintWriter err) {
        return newCommandLine(channels, env, InputStream.nullInputStream(), out, err);
    }

    /**
     * A ready {@code coffre} command line.
     *
     * @param stdin read by {@code --in -}
     * @see #newCommandLine(ChannelFactory, Map, PrintWriter, PrintWriter)
     */
    public static CommandLine newCommandLine(
            ChannelFactory channels, Map<String, String> env, InputStream stdin, PrintWriter out, PrintWriter err) {
        return newCommandLine(new CliRuntime(channels, env, stdin), out, err);
    }

    /**
     * A ready {@code coffre} command line on {@code runtime}, e.g. with a passphrase prompt of the
     * embedding program's own.
     *
     * @see #newCommandLine(ChannelFactory, Map, PrintWriter, PrintWriter)
     */
    public static CommandLine newCommandLine(CliRuntime runtime, PrintWriter out, PrintWriter err) {
        CommandFactory factory = new CommandFactory(runtime);
        return build(factory, out, err, COMMANDS.stream().map(command -> new CommandLine(command, factory)).toList());
    }

    /**
     * A command line for running {@code args} once: when the first argument names a top-level
     * command, only that command's tree is built (and of a group, only the branch named next).
     * Picocli builds the model of every command it holds up front (reflection over ~60 classes'
     * annotations, a large part of a call's start); one call needs one branch. Anything else ({@code --help}, {@code help wrap}, a typo, options
     * before the command) gets every command, so help, suggestions and hints stay whole.
     *
     * @see #newCommandLine(CliRuntime, PrintWriter, PrintWriter)
     */
    public static CommandLine newCommandLine(CliRuntime runtime, PrintWriter out, PrintWriter err, String[] args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                if (command != HelpCommand.class && command.getAnnotation(Command.class).name().equals(args[0])) {
                    CommandFactory factory = new CommandFactory(runtime);
                    return build(factory, out, err, List.of(oneBranch(command, args, factory)));
                }
            }
        }
        return newCommandLine(runtime, out, err);
    }

    /**
     * {@code command}'s tree, or for a group such as {@code keys} whose subcommand {@code args[1]}
     * names, the group with that subcommand alone: {@code coffre keys list} needs no model of the
     * nine other {@code keys} commands. The group then gets its name and standard help options
     * only; its description is shown nowhere on that path ({@code coffre keys --help} builds the
     * whole group).
     */
    private static CommandLine oneBranch(Class<?> command, String[] args, CommandFactory factory) {
        Command group = command.getAnnotation(Command.class);
        if (args.length > 1) {
            for (Class<?> sub : group.subcommands()) {
                if (sub.getAnnotation(Command.class).name().equals(args[1])) {
                    CommandSpec spec = CommandSpec.wrapWithoutInspection(command, factory)
                            .name(group.name())
                            .mixinStandardHelpOptions(group.mixinStandardHelpOptions());
                    return new CommandLine(spec, factory).addSubcommand(new CommandLine(sub, factory));
                }
            }
        }
        return new CommandLine(command, factory);
    }

    private static CommandLine build(CommandFactory factory, PrintWriter out, PrintWriter err, List<CommandLine> commands) {
        CommandLine commandLine = new CommandLine(CoffreCli.class, factory);
        for (CommandLine command : commands) {
            commandLine.addSubcommand(command);
        }
        commandLine.getCommandSpec().usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(ExitCodes.describe());
        keepDeclaredOptionOrder(commandLine);
        return commandLine
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler(new ErrorHandlers.Usage())
                .setExecutionExceptionHandler(new ErrorHandlers.Execution())
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Lists each command's own options before the output and connection options shared by all. */
    private static void keepDeclaredOptionOrder(CommandLine commandLine) {
        commandLine.getCommandSpec().usageMessage().sortOptions(false);
        commandLine.getSubcommands().values().forEach(CoffreCli::keepDeclaredOptionOrder);
    }
}
