package coffre.kms.cli.ceremony;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.RpcCommand;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.cli.officers.OfficerRendering;
import coffre.kms.cli.output.OutputFormat;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.InitCeremonyResponse;
import coffre.kms.v1.Officer;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code coffre ceremony init DOC SIGFILE...}: sends the document and every officer's signature to
 * {@code OfficerService.InitCeremony}. Every signature is verified locally first, and one from each
 * officer in the document is required, so a missing or wrong signature is named before any call.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Initialise a fresh server with the signed ceremony document: one signature file from every "
                + "officer in it.")
public final class InitCeremonyCommand extends RpcCommand {

    @Parameters(index = "0", paramLabel = "DOC", description = "The document from 'ceremony prepare'.")
    Path documentFile;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "SIGFILE", description = "Signature files from 'ceremony sign'.")
    List<Path> signatureFiles;

    private CeremonyFiles.Document document;
    private List<CeremonySignature> signatures;

    public InitCeremonyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        document = CeremonyFiles.readDocument(commandLine(), documentFile);
        Map<String, CeremonySignature> byOfficer = new LinkedHashMap<>();
        for (Path file : signatureFiles) {
            CeremonySignature signature = CeremonyFiles.readSignature(commandLine(), file);
            Officer officer = document.officer(signature.getOfficerId()).orElseThrow(() -> new ParameterException(
                    commandLine(), "signature file " + file + " is by '" + signature.getOfficerId()
                            + "', who is not an officer in " + documentFile));
            if (!document.verifies(officer, signature)) {
                throw new ParameterException(commandLine(), "signature file " + file + " does not verify: officer '"
                        + officer.getId() + "' did not sign this document with their registered key");
            }
            if (byOfficer.putIfAbsent(officer.getId(), signature) != null) {
                throw new ParameterException(commandLine(), "officer '" + officer.getId() + "' has more than one signature file");
            }
        }
        List<String> missing = document.document().getOfficersList().stream()
                .map(Officer::getId)
                .filter(id -> !byOfficer.containsKey(id))
                .toList();
        if (!missing.isEmpty()) {
            throw new ParameterException(commandLine(), "every officer in the document must sign it; missing: "
                    + String.join(", ", missing));
        }
        signatures = List.copyOf(byOfficer.values());
    }

    @Override
    protected int run(CoffreStubs rpc) {
        InitCeremonyResponse response = rpc.officers().initCeremony(InitCeremonyRequest.newBuilder()
                .setDocument(ByteString.copyFrom(document.bytes()))
                .addAllSignatures(signatures)
                .build());
        if (format() == OutputFormat.JSON) {
            printJson(response);
        } else {
            printText("The server is initialised.\n" + OfficerRendering.table(response.getOfficersList())
                    + OfficerRendering.ruleLine(response.getRule()));
        }
        return ExitCodes.OK;
    }
}
