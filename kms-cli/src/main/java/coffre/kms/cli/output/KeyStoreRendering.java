package coffre.kms.cli.output;

import coffre.kms.v1.XksCredential;
import coffre.kms.v1.XksCredentialState;
import coffre.kms.v1.XksKeyMapping;
import coffre.kms.v1.XksKeyStore;
import coffre.kms.v1.XksSecretCredential;
import java.util.List;

/**
 * Human renderings of AWS external key stores: a table of stores, the details of one with its
 * credentials, a table of key mappings, and the one-time credential, for people and as the AWS KMS
 * console's proxy configuration file.
 */
public final class KeyStoreRendering {

    private static final int LABEL_WIDTH = 19;

    private KeyStoreRendering() {
    }

    /** Columns ID, NAME, STATE, REGION, URI PATH, ACTIVE, CREATED (ACTIVE: credentials that authenticate). */
    public static String table(List<XksKeyStore> stores) {
        TextTable table = new TextTable("ID", "NAME", "STATE", "REGION", "URI PATH", "ACTIVE", "CREATED");
        for (XksKeyStore store : stores) {
            table.row(store.getId(), store.getName(), state(store), store.getRegion(), store.getUriPath(),
                    Long.toString(store.getCredentialsList().stream()
                            .filter(c -> c.getState() == XksCredentialState.XKS_CREDENTIAL_ACTIVE).count()),
                    Times.format(store.getCreateTime()));
        }
        return table.render();
    }

    /** Every field of one store, then its credentials (access key ids and states: Coffre has no secret to show). */
    public static String details(XksKeyStore store) {
        LabelledBlock block = new LabelledBlock(LABEL_WIDTH)
                .field("ID", store.getId())
                .field("Name", store.getName())
                .field("State", state(store))
                .field("URI path", store.getUriPath())
                .field("Region", store.getRegion())
                .field("Principal", "xks:" + store.getName())
                .field("Created", Times.format(store.getCreateTime()))
                .text("Credentials:\n");
        TextTable credentials = new TextTable("ACCESS KEY ID", "STATE", "CREATED");
        for (XksCredential credential : store.getCredentialsList()) {
            credentials.row(credential.getAccessKeyId(), credential.getState().name().replaceFirst("^XKS_CREDENTIAL_", ""),
                    Times.format(credential.getCreateTime()));
        }
        return block.indented(credentials.render()).render();
    }

    /** Columns EXTERNAL KEY ID, KEY, CREATED. */
    public static String mappings(List<XksKeyMapping> mappings) {
        TextTable table = new TextTable("EXTERNAL KEY ID", "KEY", "CREATED");
        for (XksKeyMapping mapping : mappings) {
            table.row(mapping.getExternalKeyId(), mapping.getKeyId(), Times.format(mapping.getCreateTime()));
        }
        return table.render();
    }

    /** The one-time credential for people, with what it is for. */
    public static String credential(XksSecretCredential credential) {
        return new LabelledBlock(LABEL_WIDTH)
                .text("SigV4 credential, shown this once (Coffre keeps the secret only inside its HSM); enter it in "
                        + "AWS KMS as the external key store's proxy credential:\n")
                .field("URI path", credential.getUriPath())
                .field("Access key id", credential.getAccessKeyId())
                .field("Secret access key", credential.getRawSecretAccessKey())
                .render();
    }

    /**
     * The AWS KMS console's XKS proxy configuration file: {@code XksProxyUriPath} and
     * {@code XksProxyAuthenticationCredential} ({@code AccessKeyId}, {@code RawSecretAccessKey}).
     */
    public static String consoleFile(XksSecretCredential credential) {
        return "{\n"
                + "  \"XksProxyUriPath\": " + ProtoJson.string(credential.getUriPath()) + ",\n"
                + "  \"XksProxyAuthenticationCredential\": {\n"
                + "    \"AccessKeyId\": " + ProtoJson.string(credential.getAccessKeyId()) + ",\n"
                + "    \"RawSecretAccessKey\": " + ProtoJson.string(credential.getRawSecretAccessKey()) + "\n"
                + "  }\n"
                + "}\n";
    }

    private static String state(XksKeyStore store) {
        return store.getState().name().replaceFirst("^XKS_KEY_STORE_", "");
    }
}
