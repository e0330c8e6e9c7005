package coffre.kms.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.v1.XksCredential;
import coffre.kms.v1.XksCredentialState;
import coffre.kms.v1.XksKeyMapping;
import coffre.kms.v1.XksKeyStore;
import coffre.kms.v1.XksKeyStoreState;
import coffre.kms.v1.XksSecretCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Key stores for people, and the one-time credential as the AWS KMS console reads it. */
class KeyStoreRenderingTest {
    private static final Timestamp T = Timestamp.newBuilder().setSeconds(1_796_547_600L).build();
    private static final XksSecretCredential CREDENTIAL = XksSecretCredential.newBuilder()
            .setAccessKeyId("AKIAI2SFODNN7EXAMPLE").setRawSecretAccessKey("FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE")
            .setUriPath("/keystores/paris/kms/xks/v1").build();
    private static final XksKeyStore STORE = XksKeyStore.newBuilder()
            .setId("xks-abcdefghijklmnopqrstuvwxyz").setName("paris").setUriPath("/paris/kms/xks/v1")
            .setRegion("eu-west-3").setState(XksKeyStoreState.XKS_KEY_STORE_ENABLED).setCreateTime(T)
            .addCredentials(XksCredential.newBuilder().setAccessKeyId("AAAAAAAAAAAAAAAAAAAAAAAA")
                    .setState(XksCredentialState.XKS_CREDENTIAL_ACTIVE).setCreateTime(T))
            .addCredentials(XksCredential.newBuilder().setAccessKeyId("BBBBBBBBBBBBBBBBBBBBBBBB")
                    .setState(XksCredentialState.XKS_CREDENTIAL_REVOKED).setCreateTime(T))
            .build();

    @Test
    void theConsoleFileIsExactlyWhatTheAwsConsoleImports() throws Exception {
        JsonNode file = new ObjectMapper().readTree(KeyStoreRendering.consoleFile(CREDENTIAL));
        assertEquals(Set.of("XksProxyUriPath", "XksProxyAuthenticationCredential"), names(file));
        assertEquals("/keystores/paris/kms/xks/v1", file.get("XksProxyUriPath").asText());
        JsonNode credential = file.get("XksProxyAuthenticationCredential");
        assertEquals(Set.of("AccessKeyId", "RawSecretAccessKey"), names(credential));
        assertEquals("AKIAI2SFODNN7EXAMPLE", credential.get("AccessKeyId").asText());
        assertEquals("FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE", credential.get("RawSecretAccessKey").asText());
    }

    @Test
    void theCredentialForPeopleSaysItIsShownOnce() {
        String text = KeyStoreRendering.credential(CREDENTIAL);
        assertTrue(text.contains("shown this once"), text);
        assertTrue(text.contains("Secret access key: FYtE5EFA5FT0mCc3DrGUe2sti527BitkQ0Zr9MO9fvE"), text);
        assertTrue(text.contains("Access key id:     AKIAI2SFODNN7EXAMPLE"), text);
    }

    @Test
    void aStoreShowsItsPrincipalAndCredentialStatesWithoutPrefixes() {
        String text = KeyStoreRendering.details(STORE);
        assertTrue(text.contains("Principal:         xks:paris"), text);
        assertTrue(text.contains("State:             ENABLED"), text);
        assertTrue(text.matches("(?s).*AAAAAAAAAAAAAAAAAAAAAAAA\\s+ACTIVE.*BBBBBBBBBBBBBBBBBBBBBBBB\\s+REVOKED.*"), text);
        String table = KeyStoreRendering.table(List.of(STORE));
        assertTrue(table.lines().skip(1).findFirst().orElseThrow().matches(
                "xks-abcdefghijklmnopqrstuvwxyz\\s+paris\\s+ENABLED\\s+eu-west-3\\s+/paris/kms/xks/v1\\s+1\\s+.*"), table);
        String mappings = KeyStoreRendering.mappings(List.of(XksKeyMapping.newBuilder().setExternalKeyId("orders")
                .setKeyId("key-abcdefghijklmnopqrstuvwxyz").setCreateTime(T).build()));
        assertTrue(mappings.contains("orders"), mappings);
        assertTrue(mappings.contains("key-abcdefghijklmnopqrstuvwxyz"), mappings);
    }

    private static Set<String> names(JsonNode node) {
        Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
