package coffre.kms.cli.keys;

import coffre.kms.cli.CliRuntime;
import coffre.kms.client.CoffreStubs;
import coffre.kms.cli.approvals.RequestingCommand;
import coffre.kms.cli.args.KeyValue;
import coffre.kms.cli.args.KeyValues;
import coffre.kms.cli.args.PolicyFile;
import coffre.kms.cli.args.WireEnumConverter;
import coffre.kms.cli.errors.ExitCodes;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.ApprovalPolicy;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.CreateKeyResponse;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coffre keys create}: asks officers for a new key whose first version is generated in the
 * HSM. The server answers with the approval request; the key id is its result once approved.
 */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Ask for a new key. Once officers approve, its first version is generated inside the HSM; "
                + "the server chooses its id, given as the approval request's result.")
public final class CreateKeyCommand extends RequestingCommand {

    @Option(names = "--alias", paramLabel = "ALIAS",
            description = "Unique alias, 1-64 characters of A-Z a-z 0-9 _ - /, starting with a letter or digit "
                    + "(then usable as alias/ALIAS).")
    String alias;

    @Option(names = "--description", paramLabel = "TEXT", description = "Free text, at most 1024 characters.")
    String description;

    @Option(names = "--label", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
            description = "A label; repeat for more (at most 32).")
    List<KeyValue> labels;

    @Option(names = "--policy-file", paramLabel = "FILE",
            description = "Who may use the key: a JSON AccessPolicy (see 'coffre keys set-policy --help'). "
                    + "Without it nobody can until a policy or grant is approved.")
    Path policyFile;

    @Option(names = "--require-unwrap-approval",
            description = "Break-glass key: every unwrap (or, for an RSA ENCRYPT_DECRYPT key, every decrypt) waits "
                    + "for officers' approval.")
    boolean requireUnwrapApproval;

    @Option(names = "--spec", paramLabel = "SPEC", converter = WireEnumConverter.KeySpecs.class,
            description = "What the HSM generates: AES_256 (default; envelope encryption), RSA_2048, RSA_3072, "
                    + "RSA_4096 (a key pair to decrypt or sign), EC_P256, EC_P384 (a key pair to sign).")
    KeySpec spec;

    @Option(names = "--usage", paramLabel = "USAGE", converter = WireEnumConverter.KeyUsages.class,
            description = "ENCRYPT_DECRYPT or SIGN_VERIFY. Default: SIGN_VERIFY for EC keys, else ENCRYPT_DECRYPT.")
    KeyUsage usage;

    private Map<String, String> labelMap;
    private AccessPolicy policy;

    public CreateKeyCommand(CliRuntime runtime) {
        super(runtime);
    }

    @Override
    protected void prepare() throws IOException {
        labelMap = KeyValues.toMap(commandLine(), "--label", labels);
        if (policyFile != null) {
            policy = PolicyFile.read(commandLine(), "--policy-file", policyFile);
        }
    }

    @Override
    protected int run(CoffreStubs rpc) {
        CreateKeyRequest.Builder request = CreateKeyRequest.newBuilder().putAllLabels(labelMap);
        if (alias != null) {
            request.setAlias(alias);
        }
        if (description != null) {
            request.setDescription(description);
        }
        if (policy != null) {
            request.setAccessPolicy(policy);
        }
        if (requireUnwrapApproval) {
            request.setApprovalPolicy(ApprovalPolicy.newBuilder().setRequireUnwrapApproval(true));
        }
        if (spec != null) {
            request.setKeySpec(spec);
        }
        KeyUsage chosen = usage != null ? usage
                : spec == KeySpec.EC_P256 || spec == KeySpec.EC_P384 ? KeyUsage.SIGN_VERIFY : KeyUsage.ENCRYPT_DECRYPT;
        request.setKeyUsage(chosen);
        CreateKeyResponse response = rpc.keys().createKey(request.build());
        printRequest(response, response.getApprovalRequest());
        return ExitCodes.OK;
    }
}
