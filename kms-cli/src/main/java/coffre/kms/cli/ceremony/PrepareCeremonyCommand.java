package coffre.kms.cli.ceremony;

import coffre.kms.cli.CliRuntime;
import coffre.kms.cli.LocalCommand;
import coffre.kms.cli.args.BoundedInt;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officerkeys.NewFiles;
import coffre.kms.cli.officerkeys.OfficerSpec;
import coffre.kms.cli.output.JsonObject;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.Officer;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.signing.Statements;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code coffre ceremony prepare}: writes the ceremony document (officers, rule, a fresh 128-bit
 * random nonce) and prints its SHA-256, which every officer compares before signing. Checks locally
 * what it can (distinct ids and keys, a rule the officers can meet); the server checks again.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Write the init ceremony document: the first officers, the quorum rule and a random nonce. "
                + "Prints its SHA-256 for the officers to compare. Works offline.")
public final class PrepareCeremonyCommand extends LocalCommand {

    @Option(names = "--officer", paramLabel = OfficerSpec.FORM, required = true, converter = OfficerSpec.Converter.class,
            order = 1, description = "An officer (repeat for each): id (a-z 0-9 _ -), display name, operator, "
                    + "API principal (may be empty) and the .pub file from 'coffre officer keygen'.")
    List<OfficerSpec> specs;

    @Option(names = "--threshold", paramLabel = "M", required = true, converter = BoundedInt.Threshold.class, order = 2,
            description = "At least M distinct active officers must approve a request.")
    int threshold;

    @Option(names = "--min-per-operator", paramLabel = "K", converter = BoundedInt.MinPerOperator.class,
            defaultValue = "0", order = 3,
            description = "And at least K of them from every operator (default 0: no per-operator minimum).")
    int minPerOperator;

    @Option(names = "--out", paramLabel = "DOC", required = true, order = 4,
            description = "Document file to create (never overwritten).")
    Path out;

    public PrepareCeremonyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected int execute() throws IOException {
        NewFiles.requireAbsent("--out", out);
        List<Officer> officers = new ArrayList<>();
        for (OfficerSpec spec : specs) {
            officers.add(spec.toOfficer(commandLine(), "--officer"));
        }
        checkOfficers(officers);
        QuorumRule rule = QuorumRule.newBuilder().setThreshold(threshold).setMinPerOperator(minPerOperator).build();
        checkRule(officers, rule);
        byte[] nonce = new byte[16];
        new SecureRandom().nextBytes(nonce);
        CeremonyDocument document = CeremonyDocument.newBuilder()
                .addAllOfficers(officers)
                .setRule(rule)
                .setNonce(HexFormat.of().formatHex(nonce))
                .build();
        byte[] bytes = Statements.canonicalBytes(document);
        NewFiles.createPublic("--out", out, bytes);
        CeremonyFiles.Document written = new CeremonyFiles.Document(bytes, document);
        if (format() == OutputFormat.JSON) {
            printText(new JsonObject()
                    .string("document_file", out.toString())
                    .string("sha256", written.sha256())
                    .message("document", document)
                    .render() + "\n");
        } else {
            printText("Ceremony document written to " + out + ".\n"
                    + CeremonyFiles.summary(written)
                    + "Send it to every officer; each checks the SHA-256 and the fingerprints, then runs\n"
                    + "  coffre ceremony sign " + out + " --officer-id ID --officer-key FILE --out ID.sig\n");
        }
        return ExitCodes.OK;
    }

    private void checkOfficers(List<Officer> officers) {
        Set<String> ids = new HashSet<>();
        Set<com.google.protobuf.ByteString> keys = new HashSet<>();
        for (Officer officer : officers) {
            if (!ids.add(officer.getId())) {
                throw new ParameterException(commandLine(), "Invalid value for option '--officer': officer id '"
                        + officer.getId() + "' is given more than once");
            }
            if (!keys.add(officer.getPublicKey().getSpkiDer())) {
                throw new ParameterException(commandLine(), "Invalid value for option '--officer': officer '"
                        + officer.getId() + "' has the same public key as another officer");
            }
        }
    }

    private void checkRule(List<Officer> officers, QuorumRule rule) {
        if (rule.getThreshold() > officers.size()) {
            throw new ParameterException(commandLine(), "--threshold " + rule.getThreshold() + " cannot be met by "
                    + officers.size() + " officer" + (officers.size() == 1 ? "" : "s"));
        }
        Map<String, Integer> perOperator = new HashMap<>();
        officers.forEach(o -> perOperator.merge(o.getOperator(), 1, Integer::sum));
        perOperator.forEach((operator, count) -> {
            if (count < rule.getMinPerOperator()) {
                throw new ParameterException(commandLine(), "--min-per-operator " + rule.getMinPerOperator()
                        + " cannot be met: operator '" + operator + "' has " + count + " officer" + (count == 1 ? "" : "s"));
            }
        });
    }
}
