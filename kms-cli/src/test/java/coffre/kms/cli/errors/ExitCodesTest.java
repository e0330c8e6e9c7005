package coffre.kms.cli.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ExitCodesTest {

    @ParameterizedTest
    @EnumSource(Status.Code.class)
    void everyStatusIsAFailureCodeListedInTheHelpTable(Status.Code code) {
        int exit = ExitCodes.forStatus(code);

        assertTrue(exit >= 64 && exit <= 70, code + " -> " + exit);
        assertTrue(ExitCodes.describe().containsKey(Integer.toString(exit)), code + " -> " + exit);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "INVALID_ARGUMENT, 64", "OUT_OF_RANGE, 64",
        "NOT_FOUND, 65",
        "ALREADY_EXISTS, 66", "ABORTED, 66",
        "UNAUTHENTICATED, 67", "PERMISSION_DENIED, 67",
        "FAILED_PRECONDITION, 68",
        "UNAVAILABLE, 69", "DEADLINE_EXCEEDED, 69", "RESOURCE_EXHAUSTED, 69", "CANCELLED, 69",
        "INTERNAL, 70", "UNKNOWN, 70", "DATA_LOSS, 70", "UNIMPLEMENTED, 70",
    })
    void categories(Status.Code code, int exit) {
        assertEquals(exit, ExitCodes.forStatus(code));
    }

    @Test
    void theHelpTableListsEveryCodeInOrder() {
        Map<String, String> table = ExitCodes.describe();

        assertEquals("[0, 1, 2, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73]", table.keySet().toString());
    }
}
