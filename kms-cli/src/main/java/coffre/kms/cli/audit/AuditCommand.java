package coffre.kms.cli.audit;

import picocli.CommandLine.Command;

/** {@code coffre audit}: read, follow, export, verify and (through officers) prune the tamper-evident audit log. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "The audit log: one hash-chained event per request (allowed or denied) and per vote. "
                + "Administrators and officers may read it.",
        subcommands = {
            QueryAuditCommand.class,
            TailAuditCommand.class,
            ExportAuditCommand.class,
            VerifyAuditCommand.class,
            VerifyExportCommand.class,
            PruneAuditCommand.class,
        })
public final class AuditCommand {
}
