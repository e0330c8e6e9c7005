package coffre.kms.cli.args;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class ArgumentTypesTest {

    @ParameterizedTest
    @ValueSource(strings = {"key-01hzy3k4m5n6p7q8r9s0t1v2w3", "key-x", "alias/a", "alias/team/sub-key_1"})
    void keyRefAcceptsIdsAndAliases(String value) {
        assertEquals(value, new KeyRef.Converter().convert(value).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "key-", "alias/", "KEY-abc", "aliases/x", "billing", "arn:aws:kms:key/1"})
    void keyRefRefusesAnythingElse(String value) {
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> new KeyRef.Converter().convert(value));
        assertEquals("'" + value + "' is neither a key id (key-...) nor an alias (alias/<name>)", e.getMessage());
    }

    @Test
    void keyValueSplitsAtTheFirstEquals() {
        assertEquals(new KeyValue("a", "b=c"), new KeyValue.Converter().convert("a=b=c"));
        assertEquals(new KeyValue("a", ""), new KeyValue.Converter().convert("a="));
    }

    @Test
    void base64BytesAreHandedOverOnceAndNeverPrinted() {
        Base64Bytes bytes = new Base64Bytes.Converter().convert(" AQID ");

        assertEquals("Base64Bytes[3 bytes]", bytes.toString());
        assertArrayEquals(new byte[] {1, 2, 3}, bytes.take());
        assertEquals("Base64Bytes[taken]", bytes.toString());
        assertThrows(IllegalStateException.class, bytes::take);
    }

    @Test
    void base64ErrorsDoNotRepeatTheInput() {
        TypeConversionException e = assertThrows(TypeConversionException.class,
                () -> new Base64Bytes.Converter().convert("s3cr3t!"));
        assertFalse(e.getMessage().contains("s3cr3t"));
        assertFalse(e.getMessage().contains("21"), "not even the offending character's code");
    }

    @Test
    void boundedIntsAcceptTheirBoundsExactly() {
        assertEquals(7, new BoundedInt.PendingWindowDays().convert("7"));
        assertEquals(30, new BoundedInt.PendingWindowDays().convert("30"));
        assertEquals(1, new BoundedInt.PageSize().convert("1"));
        assertEquals(1000, new BoundedInt.PageSize().convert("1000"));
        for (String length : new String[] {"16", "24", "32", "64"}) {
            assertEquals(Integer.parseInt(length), new BoundedInt.DataKeyLength().convert(length));
        }
    }

    @org.junit.jupiter.api.Test
    void helpListsOfEnumNamesMatchTheEnums() {
        assertEquals(java.util.Arrays.stream(coffre.kms.v1.DataOperation.values())
                        .filter(o -> o != coffre.kms.v1.DataOperation.UNRECOGNIZED && o.getNumber() > 0)
                        .map(o -> o.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList(),
                java.util.List.of(DataOperationConverter.NAMES.split(", ")));
        assertEquals(java.util.Arrays.stream(coffre.kms.v1.ApprovalState.values())
                        .filter(o -> o != coffre.kms.v1.ApprovalState.UNRECOGNIZED && o.getNumber() > 0)
                        .map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).toList(),
                java.util.List.of(ApprovalStateConverter.NAMES.split(", ")));
    }
}
