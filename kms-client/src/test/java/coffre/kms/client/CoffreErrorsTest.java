package coffre.kms.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import coffre.kms.server.grpc.ErrorMapping;
import coffre.kms.v1.ErrorReason;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Coffre's errors as typed exceptions: every reason the server sends, and what has no reason. */
class CoffreErrorsTest {

    /** The gRPC codes each family stands for, as documented on {@link CoffreException}. */
    private static final Map<Class<? extends CoffreException>, Set<Status.Code>> FAMILY_CODES = Map.of(
            AccessDeniedException.class, Set.of(Status.Code.UNAUTHENTICATED, Status.Code.PERMISSION_DENIED),
            InvalidArgumentException.class, Set.of(Status.Code.INVALID_ARGUMENT),
            NotFoundException.class, Set.of(Status.Code.NOT_FOUND),
            ConflictException.class, Set.of(Status.Code.ALREADY_EXISTS, Status.Code.ABORTED),
            FailedPreconditionException.class, Set.of(Status.Code.FAILED_PRECONDITION),
            LimitExceededException.class, Set.of(Status.Code.RESOURCE_EXHAUSTED),
            UnavailableException.class, Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
                    Status.Code.CANCELLED),
            ServerErrorException.class, Set.of(Status.Code.INTERNAL));

    static StatusRuntimeException failure(Status.Code code, String domain, String reason, Map<String, String> metadata,
                                          String message) {
        ErrorInfo info = ErrorInfo.newBuilder().setDomain(domain).setReason(reason).putAllMetadata(metadata).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(code.value())
                .setMessage(message).addDetails(Any.pack(info)).build());
    }

    static StatusRuntimeException coffre(Status.Code code, String reason, Map<String, String> metadata) {
        return failure(code, CoffreErrors.DOMAIN, reason, metadata, "the server's words");
    }

    /**
     * Every reason of the server, with the gRPC code the server sends it with. Read through
     * ErrorMapping's own parameter type, so that this test does not care in which package the
     * server keeps its reason enum, only what its table says.
     */
    static Stream<Arguments> serverReasons() throws Exception {
        Method statusOf = Arrays.stream(ErrorMapping.class.getMethods())
                .filter(m -> m.getName().equals("statusOf")).findFirst().orElseThrow();
        List<Arguments> reasons = new ArrayList<>();
        for (Object reason : statusOf.getParameterTypes()[0].getEnumConstants()) {
            Enum<?> grpcStatus = (Enum<?>) statusOf.invoke(null, reason);
            reasons.add(Arguments.of(((Enum<?>) reason).name(), Status.Code.valueOf(grpcStatus.name())));
        }
        return reasons.stream();
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("serverReasons")
    void everyReasonTheServerSendsIsTypedByTheFamilyOfItsCode(String reason, Status.Code code) {
        StatusRuntimeException failure = coffre(code, reason, Map.of("field", "key_id"));

        CoffreException typed = CoffreErrors.toException(failure);

        assertNotEquals(CoffreException.class, typed.getClass(), reason + " has no family");
        assertTrue(FAMILY_CODES.get(family(typed)).contains(code),
                reason + " is sent with " + code + " but typed " + typed.getClass().getSimpleName());
        assertEquals(reason, typed.reason());
        assertEquals(Optional.of(ErrorReason.valueOf(reason)), typed.knownReason());
        assertEquals(code, typed.code());
        assertEquals(Map.of("field", "key_id"), typed.metadata());
        assertSame(failure, typed.getCause());
    }

    /** The direct subclass of CoffreException that {@code e} belongs to. */
    private static Class<?> family(CoffreException e) {
        Class<?> type = e.getClass();
        while (type.getSuperclass() != CoffreException.class) {
            type = type.getSuperclass();
        }
        return type;
    }

    @Test
    void threeReasonsHaveATypeOfTheirOwnWithinTheirFamily() {
        CoffreException decryption = CoffreErrors.toException(coffre(Status.Code.INVALID_ARGUMENT, "DECRYPTION_FAILED", Map.of()));
        CoffreException disabled = CoffreErrors.toException(coffre(Status.Code.FAILED_PRECONDITION, "KEY_DISABLED", Map.of()));
        CoffreException approval = CoffreErrors.toException(coffre(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED",
                Map.of("approval_request_id", "apr-aaaaaaaaaaaaaaaaaaaaaaaaaa")));

        assertInstanceOf(InvalidArgumentException.class, assertInstanceOf(DecryptionFailedException.class, decryption));
        assertInstanceOf(FailedPreconditionException.class, assertInstanceOf(KeyStateException.class, disabled));
        assertEquals(Optional.of("apr-aaaaaaaaaaaaaaaaaaaaaaaaaa"),
                assertInstanceOf(ApprovalRequiredException.class, approval).approvalRequestId());
    }

    @Test
    void aReasonThisClientDoesNotKnowIsKeptOnTheBaseType() {
        StatusRuntimeException failure = coffre(Status.Code.FAILED_PRECONDITION, "SOMETHING_NEWER", Map.of("k", "v"));

        CoffreException typed = CoffreErrors.toException(failure);

        assertEquals(CoffreException.class, typed.getClass());
        assertEquals("SOMETHING_NEWER", typed.reason());
        assertEquals(Optional.empty(), typed.knownReason());
        assertEquals(Status.Code.FAILED_PRECONDITION, typed.code());
        assertEquals(Map.of("k", "v"), typed.metadata());
        assertEquals("SOMETHING_NEWER: the server's words", typed.getMessage());
        assertSame(failure, typed.getCause());
    }

    @Test
    void theUnspecifiedReasonHasNoFamily() {
        assertEquals(CoffreException.class, CoffreErrors.toException(
                coffre(Status.Code.UNKNOWN, "ERROR_REASON_UNSPECIFIED", Map.of())).getClass());
    }

    @Test
    void anErrorInfoOfAnotherDomainIsNoCoffreReason() {
        StatusRuntimeException failure = failure(Status.Code.NOT_FOUND, "proxy.example", "KEY_NOT_FOUND", Map.of(), "no route");

        CoffreException typed = CoffreErrors.toException(failure);

        assertEquals(CoffreException.class, typed.getClass());
        assertEquals("", typed.reason());
        assertEquals(Status.Code.NOT_FOUND, typed.code());
        assertEquals("NOT_FOUND: no route", typed.getMessage());
        assertTrue(CoffreErrors.errorInfo(failure).isPresent(), "the detail itself is still readable");
        assertEquals(Optional.empty(), CoffreErrors.knownReason(CoffreErrors.errorInfo(failure).orElseThrow()));
    }

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED"})
    void theTransportsOwnFailuresAreUnavailable(Status.Code code) {
        CoffreException typed = CoffreErrors.toException(code.toStatus().withDescription("io exception").asRuntimeException());

        assertInstanceOf(UnavailableException.class, typed);
        assertEquals("", typed.reason());
        assertEquals(code, typed.code());
        assertEquals(code + ": io exception", typed.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, names = {"UNIMPLEMENTED", "INTERNAL", "UNKNOWN", "NOT_FOUND"})
    void otherCodesWithoutAReasonAreTheBaseType(Status.Code code) {
        CoffreException typed = CoffreErrors.toException(code.toStatus().asRuntimeException());

        assertEquals(CoffreException.class, typed.getClass());
        assertEquals(code.toString(), typed.getMessage());
    }

    @Test
    void aCorruptDetailFallsBackToTheCode() {
        Any corrupt = Any.newBuilder().setTypeUrl("type.googleapis.com/google.rpc.ErrorInfo")
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, 0x01})).build();
        StatusRuntimeException failure = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value()).setMessage("m").addDetails(corrupt).build());

        assertEquals(Optional.empty(), CoffreErrors.errorInfo(failure));
        assertInstanceOf(UnavailableException.class, CoffreErrors.toException(failure));
    }

    @Test
    void aRateLimitedCallSaysHowLongToWait() {
        LimitExceededException limited = assertInstanceOf(LimitExceededException.class, CoffreErrors.toException(
                coffre(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED", Map.of("retry_after_ms", "250", "limit", "100"))));
        LimitExceededException garbled = assertInstanceOf(LimitExceededException.class, CoffreErrors.toException(
                coffre(Status.Code.RESOURCE_EXHAUSTED, "RATE_LIMITED", Map.of("retry_after_ms", "soon"))));
        LimitExceededException tooLarge = assertInstanceOf(LimitExceededException.class, CoffreErrors.toException(
                coffre(Status.Code.RESOURCE_EXHAUSTED, "MESSAGE_TOO_LARGE", Map.of("limit", "4194304"))));

        assertEquals(Optional.of(Duration.ofMillis(250)), limited.retryAfter());
        assertEquals(Optional.empty(), garbled.retryAfter());
        assertEquals(Optional.empty(), tooLarge.retryAfter());
    }

    @Test
    void anApprovalRequiredWithoutARequestIdSaysSo() {
        ApprovalRequiredException approval = assertInstanceOf(ApprovalRequiredException.class,
                CoffreErrors.toException(coffre(Status.Code.FAILED_PRECONDITION, "APPROVAL_REQUIRED", Map.of())));

        assertEquals(Optional.empty(), approval.approvalRequestId());
    }

    @Test
    void aTypedExceptionIsReturnedAsIs() {
        CoffreException typed = CoffreErrors.toException(coffre(Status.Code.NOT_FOUND, "KEY_NOT_FOUND", Map.of()));

        assertSame(typed, CoffreErrors.toException(typed));
    }

    @Test
    void aFailureThatIsNoGrpcStatusIsUnknown() {
        CoffreException typed = CoffreErrors.toException(new IllegalStateException("boom"));

        assertEquals(CoffreException.class, typed.getClass());
        assertEquals(Status.Code.UNKNOWN, typed.code());
        assertEquals("UNKNOWN", typed.getMessage());
    }
}
