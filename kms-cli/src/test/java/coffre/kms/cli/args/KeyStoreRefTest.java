package coffre.kms.cli.args;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

/** STORE arguments: an id goes as it is, a name as name/NAME; anything else is a usage error. */
class KeyStoreRefTest {
    private final KeyStoreRef.Converter converter = new KeyStoreRef.Converter();

    @Test
    void idsAndNamesAreToldApart() {
        KeyStoreRef id = converter.convert("xks-abcdefghijklmnopqrstuvwxyz");
        assertEquals("xks-abcdefghijklmnopqrstuvwxyz", id.value());
        assertFalse(id.isName());
        assertEquals("name/paris", converter.convert("paris").value());
        assertEquals("name/paris", converter.convert("name/paris").value());
        assertTrue(converter.convert("paris-2").isName());
    }

    @ParameterizedTest(name = "refuses \"{0}\"")
    @ValueSource(strings = {"", "Paris", "par is", "name/", "xks-short", "xks-ABCDEFGHIJKLMNOPQRSTUVWXYZ", "a/b"})
    void refusesWhatIsNeither(String text) {
        assertThrows(TypeConversionException.class, () -> converter.convert(text));
    }
}
