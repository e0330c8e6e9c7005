package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import com.google.protobuf.Timestamp;
import java.time.Duration;
import java.time.Instant;

/**
 * The time an officer put in a signed statement, as the two numbers the statement encodes
 * (seconds, nanos; see {@code coffre.kms.v1.signing.Statements}). Kept as sent rather than as an
 * {@link Instant}: normalising it would change the bytes the signature is checked against, and
 * what is recorded with the vote.
 */
public record SignedTime(long seconds, int nanos) {
    /** How far a signed time may be from the server's clock (replay window). */
    public static final Duration WINDOW = Duration.ofMinutes(5);

    public static SignedTime of(Instant at) {
        return new SignedTime(at.getEpochSecond(), at.getNano());
    }

    /** @throws java.time.DateTimeException if it is beyond what an {@code Instant} holds */
    public Instant instant() {
        return Instant.ofEpochSecond(seconds, nanos);
    }

    /**
     * @throws KmsException {@link ErrorReason#SIGNATURE_TIME_OUT_OF_RANGE} if it is more than
     *                      {@link #WINDOW} from {@code now}
     */
    void requireFresh(Instant now) {
        Instant at = instant();
        if (at.isBefore(now.minus(WINDOW)) || at.isAfter(now.plus(WINDOW))) {
            throw new KmsException(ErrorReason.SIGNATURE_TIME_OUT_OF_RANGE, "the signed time " + at
                    + " is more than " + WINDOW.toMinutes() + " minutes from the server's clock");
        }
    }

    /** The form {@code Statements} writes into what officers sign. */
    Timestamp statementTime() {
        return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    }
}
