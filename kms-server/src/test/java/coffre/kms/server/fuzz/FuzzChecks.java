package coffre.kms.server.fuzz;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.util.Set;
import java.util.function.Supplier;

/** Shared assertion of the fuzz tests: a call succeeds or fails with one of the expected reasons. */
final class FuzzChecks {
    private FuzzChecks() {
    }

    /**
     * Runs {@code call}; returns its result, or null when it threw a {@link KmsException} with one of
     * {@code expected}. Any other exception, or another reason, fails the test with the cause attached.
     */
    static <T> T succeedsOrFailsWith(Set<ErrorReason> expected, Supplier<T> call) {
        try {
            return call.get();
        } catch (KmsException e) {
            if (!expected.contains(e.reason())) {
                throw new AssertionError("unexpected reason " + e.reason() + " (expected one of " + expected + ")", e);
            }
            return null;
        } catch (RuntimeException e) {
            throw new AssertionError("bad input must fail with a KmsException, not " + e, e);
        }
    }
}
