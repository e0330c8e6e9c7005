package coffre.kms.cli.ceremony;

import picocli.CommandLine.Command;

/** {@code coffre ceremony}: the init ceremony that registers the first officers and the rule. */
@Command(
        name = "ceremony",
        mixinStandardHelpOptions = true,
        // The first line is the summary 'coffre --help' lists: a whole sentence, not a lead-in to the steps.
        description = {"Register the first officers and quorum rule of a fresh server, each officer signing them.",
            "The init ceremony, in four steps:",
            "  1. each officer runs 'coffre officer keygen' and hands over FILE.pub;",
            "  2. someone runs 'ceremony prepare' and sends the document to every officer;",
            "  3. every officer checks it and runs 'ceremony sign';",
            "  4. someone runs 'ceremony init' with the document and every signature."},
        subcommands = {
            PrepareCeremonyCommand.class,
            SignCeremonyCommand.class,
            InitCeremonyCommand.class,
            CeremonyStatusCommand.class,
        })
public final class CeremonyCommand {
}
