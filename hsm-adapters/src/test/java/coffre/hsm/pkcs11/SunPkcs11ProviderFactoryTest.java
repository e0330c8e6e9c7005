package coffre.hsm.pkcs11;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SunPkcs11ProviderFactoryTest {

    @Test
    void configNamesLibrarySlotAndTheGenerateTemplate() {
        String text = SunPkcs11ProviderFactory.configText("coffre-softhsm2-1", Path.of("/usr/lib/softhsm/libsofthsm2.so"), 42);
        assertTrue(text.startsWith("name = coffre-softhsm2-1\nlibrary = \"/usr/lib/softhsm/libsofthsm2.so\"\nslot = 42\n"), text);
        assertTrue(text.contains("attributes(generate, CKO_SECRET_KEY, CKK_AES) = {"), text);
        for (String line : new String[] {"CKA_TOKEN = false", "CKA_SENSITIVE = true", "CKA_EXTRACTABLE = false",
                "CKA_WRAP = false", "CKA_DERIVE = false"}) {
            assertTrue(text.contains("  " + line + "\n"), line);
        }
    }

    @Test
    void librariesThatSunPkcs11WouldRewriteAreRefused() {
        assertEquals("hsm.library must not contain quotes, '$' or newlines: /opt/${x}/lib.so",
                assertThrows(IllegalArgumentException.class,
                        () -> SunPkcs11ProviderFactory.configText("n", Path.of("/opt/${x}/lib.so"), 1)).getMessage());
    }

    @Test
    void theGeneratedTemplateDataMatchesTheConfigBlock() {
        for (Pkcs11Native.Attr a : KeyTemplates.GENERATED) {
            assertTrue(KeyTemplates.GENERATE_BLOCK.contains(" = " + a.value() + "\n"));
        }
        assertEquals(10, KeyTemplates.GENERATED.size());
        assertEquals(11, KeyTemplates.GENERATE_BLOCK.lines().count() - 1);
    }
}
