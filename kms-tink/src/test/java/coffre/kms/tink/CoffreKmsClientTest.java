package coffre.kms.tink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CoffreKmsClientTest {

    @Test
    void anUnboundClientSupportsEveryCoffreUriAndNoOther() {
        CoffreKmsClient kms = new CoffreKmsClient();

        assertTrue(kms.doesSupport("coffre://alias/orders"));
        assertTrue(kms.doesSupport("coffre://key-abcdefghijklmnopqrstuvwxyz"));
        assertFalse(kms.doesSupport("aws-kms://arn:aws:kms:eu-west-3:1:key/x"));
        assertFalse(kms.doesSupport("coffre://orders"));
        assertFalse(kms.doesSupport(null));
    }

    @Test
    void aBoundClientSupportsItsOwnUriOnly() throws Exception {
        CoffreKmsClient kms = new CoffreKmsClient("coffre://alias/orders");

        assertTrue(kms.doesSupport("coffre://alias/orders"));
        assertFalse(kms.doesSupport("coffre://alias/invoices"));
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> kms.getAead("coffre://alias/invoices"));
        assertEquals("this CoffreKmsClient is bound to coffre://alias/orders, not to coffre://alias/invoices",
                e.getMessage());
    }

    @Test
    void withoutCredentialsThereIsNoAead() {
        CoffreKmsClient kms = new CoffreKmsClient();

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class,
                () -> kms.getAead("coffre://alias/orders"));

        assertTrue(e.getMessage().contains("has no credentials"), e.getMessage());
    }

    @Test
    void defaultCredentialsComeFromTheCoffreVariablesAndSayWhichIsMissing() {
        CoffreKmsClient kms = new CoffreKmsClient(null, Map.of("COFFRE_ENDPOINT", "h:1")::get);

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, kms::withDefaultCredentials);

        assertEquals("missing Coffre setting: variable COFFRE_CA_CERT", e.getMessage());
    }

    @Test
    void aNullCredentialPathMeansTheDefaultCredentials() {
        CoffreKmsClient kms = new CoffreKmsClient(null, Map.<String, String>of()::get);

        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> kms.withCredentials(null));

        assertEquals("missing Coffre setting: variable COFFRE_ENDPOINT", e.getMessage());
    }

    @Test
    void credentialsWhosePemFilesCannotBeLoadedFailAsGeneralSecurityExceptions(@org.junit.jupiter.api.io.TempDir
                                                                                  java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("coffre.properties");
        java.nio.file.Files.writeString(file, "endpoint=h:1\nca-cert=ca.pem\ncert=c.pem\nkey=k.pem\n");
        java.nio.file.Path typo = dir.resolve("typo.properties");
        java.nio.file.Files.writeString(typo, "endpoints=h:1\n");

        GeneralSecurityException pem = assertThrows(GeneralSecurityException.class,
                () -> new CoffreKmsClient().withCredentials(file.toString()));
        GeneralSecurityException unknownKey = assertThrows(GeneralSecurityException.class,
                () -> new CoffreKmsClient().withCredentials(typo.toString()));

        assertTrue(pem.getMessage().startsWith("cannot load the TLS material for Coffre: cannot load TLS material"),
                pem.getMessage());
        assertTrue(unknownKey.getMessage().contains("unknown key 'endpoints'"), unknownKey.getMessage());
    }

    @Test
    void associatedDataTravelsAsOneUnpaddedBase64urlContextEntry() {
        byte[] ad = {(byte) 0xfb, (byte) 0xff, 0x01};

        assertEquals(Map.of("tink.associated_data", "-_8B"), CoffreAead.context(ad));
        assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(ad),
                CoffreAead.context(ad).get(CoffreAead.ASSOCIATED_DATA_CONTEXT_KEY));
        assertEquals(Map.of(), CoffreAead.context(new byte[0]));
        assertEquals(Map.of(), CoffreAead.context(null));
    }
}
