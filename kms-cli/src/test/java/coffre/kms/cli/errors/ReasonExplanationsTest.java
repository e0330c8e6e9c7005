package coffre.kms.cli.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import coffre.kms.v1.ErrorReason;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ReasonExplanationsTest {

    @ParameterizedTest
    @EnumSource(ErrorReason.class)
    void everyReasonHasAPlainWordsExplanation(ErrorReason reason) {
        String text = ReasonExplanations.explain(reason);

        assertFalse(text.isBlank(), reason + " has no explanation");
        assertFalse(text.contains(reason.name()), "the explanation should not just repeat the name: " + text);
        assertFalse(text.contains("\n"), "error lines are single lines: " + text);
    }

    @Test
    void noTwoReasonsShareAnExplanation() {
        Set<String> texts = new HashSet<>();
        Arrays.stream(ErrorReason.values()).forEach(r -> texts.add(ReasonExplanations.explain(r)));

        assertEquals(ErrorReason.values().length, texts.size());
    }
}
