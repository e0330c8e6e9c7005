package coffre.kms.cli.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.cli.connection.CallAttempts;
import coffre.kms.client.Endpoint;
import coffre.kms.client.Endpoints;
import coffre.kms.v1.ErrorReason;
import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RpcErrorFormatterTest {

    private final RpcErrorFormatter formatter = new RpcErrorFormatter(new Endpoint("kms.example", 8443), Duration.ofSeconds(7));

    private static StatusRuntimeException rich(Status.Code code, String domain, String reason, String message,
            Map<String, String> metadata) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message)
                // An unrelated detail first: the formatter must look for the ErrorInfo, not take details[0].
                .addDetails(Any.pack(StringValue.of("unrelated")))
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(domain).setReason(reason).putAllMetadata(metadata).build()))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }

    static Stream<ErrorReason> reasons() {
        return Arrays.stream(ErrorReason.values()).filter(r -> r != ErrorReason.UNRECOGNIZED);
    }

    @ParameterizedTest
    @MethodSource("reasons")
    void everyReasonGivesItsNameExplanationAndServerMessage(ErrorReason reason) {
        RpcErrorFormatter.Report report = formatter.format(
                rich(Status.Code.INVALID_ARGUMENT, "kms.coffre.fr", reason.name(), "server says why", Map.of()));

        assertEquals("error: " + reason.name() + ": " + ReasonExplanations.explain(reason) + " (server says why)", report.line());
        assertEquals(ExitCodes.INVALID_ARGUMENT, report.exitCode());
    }

    @Test
    void metadataIsShownSortedAndAnEmptyMessageIsLeftOut() {
        RpcErrorFormatter.Report report = formatter.format(rich(Status.Code.INVALID_ARGUMENT, "kms.coffre.fr",
                "MISSING_FIELD", "", Map.of("field", "key_id", "another", "x")));

        assertEquals("error: MISSING_FIELD: a required value is empty [another=x, field=key_id]", report.line());
    }

    @Test
    void anUnknownReasonFallsBackToTheGrpcCode() {
        RpcErrorFormatter.Report report = formatter.format(rich(Status.Code.FAILED_PRECONDITION, "kms.coffre.fr",
                "QUORUM_PENDING", "waiting for 2 of 5", Map.of()));

        assertEquals("error: FAILED_PRECONDITION: unrecognised error reason QUORUM_PENDING (domain kms.coffre.fr) "
                + "(waiting for 2 of 5)", report.line());
        assertEquals(ExitCodes.FAILED_PRECONDITION, report.exitCode());
    }

    @Test
    void aReasonFromAnotherDomainIsNotTakenForACoffreOne() {
        RpcErrorFormatter.Report report = formatter.format(rich(Status.Code.NOT_FOUND, "googleapis.com",
                "KEY_NOT_FOUND", "m", Map.of()));

        assertEquals("error: NOT_FOUND: unrecognised error reason KEY_NOT_FOUND (domain googleapis.com) (m)", report.line());
    }

    @Test
    void unavailableWithoutDetailsPointsAtEndpointAndCertificates() {
        StatusRuntimeException e = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new RuntimeException(new SSLHandshakeException("PKIX path building failed")))
                .asRuntimeException();

        RpcErrorFormatter.Report report = formatter.format(e);

        assertEquals("error: UNAVAILABLE: cannot reach or complete the TLS handshake with kms.example:8443: "
                + "check the endpoint and the certificates (SSLHandshakeException: PKIX path building failed)",
                report.line());
        assertEquals(ExitCodes.UNAVAILABLE, report.exitCode());
    }

    @Test
    void unavailableWithoutCauseShowsTheDescription() {
        StatusRuntimeException e = Status.UNAVAILABLE.withDescription("Could not find server: x").asRuntimeException();

        assertEquals("error: UNAVAILABLE: cannot reach or complete the TLS handshake with kms.example:8443: "
                + "check the endpoint and the certificates (Could not find server: x)", formatter.format(e).line());
    }

    @Test
    void connectionRefusedShowsTheCause() {
        StatusRuntimeException e = Status.UNAVAILABLE.withCause(new ConnectException("Connection refused")).asRuntimeException();

        assertEquals("error: UNAVAILABLE: cannot reach or complete the TLS handshake with kms.example:8443: "
                + "check the endpoint and the certificates (ConnectException: Connection refused)", formatter.format(e).line());
    }

    @Test
    void deadlineNamesTheTimeout() {
        StatusRuntimeException e = Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 6.9s").asRuntimeException();

        assertEquals("error: DEADLINE_EXCEEDED: no answer from kms.example:8443 within 7 s: "
                + "check the server or raise --timeout (deadline exceeded after 6.9s)", formatter.format(e).line());
    }

    @Test
    void aDeadlineOverSeveralEndpointsNamesOnlyTheNodesTheCallReached() {
        RpcErrorFormatter cluster = new RpcErrorFormatter(
                Endpoints.parse("127.0.0.1:9443,127.0.0.1:9444,127.0.0.1:9445"), Duration.ofSeconds(10));
        List<CallAttempts.Attempt> attempts = List.of(
                new CallAttempts.Attempt(Optional.of(new InetSocketAddress("127.0.0.1", 9443)), Optional.empty()));

        assertEquals("error: DEADLINE_EXCEEDED: no answer within 10 s; tried 127.0.0.1:9443 (no answer); "
                + "no call went to 127.0.0.1:9444, 127.0.0.1:9445: check the server or raise --timeout",
                cluster.format(Status.DEADLINE_EXCEEDED.asRuntimeException(), attempts).line());
    }

    @Test
    void aRetriedCallSaysHowEachAttemptEnded() {
        RpcErrorFormatter cluster = new RpcErrorFormatter(Endpoints.parse("127.0.0.1:9443,127.0.0.1:9444"),
                Duration.ofSeconds(10));
        List<CallAttempts.Attempt> attempts = List.of(
                new CallAttempts.Attempt(Optional.of(new InetSocketAddress("127.0.0.1", 9444)),
                        Optional.of(Status.UNAVAILABLE.withDescription("store down\u001b[2J"))),
                new CallAttempts.Attempt(Optional.of(new InetSocketAddress("127.0.0.1", 9443)),
                        Optional.of(Status.CANCELLED)));

        assertEquals("error: DEADLINE_EXCEEDED: no answer within 10 s; tried 127.0.0.1:9444 (UNAVAILABLE: store down [2J), "
                + "then 127.0.0.1:9443 (no answer): check the server or raise --timeout",
                cluster.format(Status.DEADLINE_EXCEEDED.asRuntimeException(), attempts).line());
    }

    @Test
    void aDeadlineBeforeAnyNodeWasReachedSaysSo() {
        RpcErrorFormatter cluster = new RpcErrorFormatter(Endpoints.parse("kms-a:8443,kms-b:8443"), Duration.ofSeconds(7));

        assertEquals("error: DEADLINE_EXCEEDED: no connection to any of kms-a:8443, kms-b:8443 within 7 s "
                + "(the call reached no node): check the server or raise --timeout",
                cluster.format(Status.DEADLINE_EXCEEDED.asRuntimeException(), List.of(
                        new CallAttempts.Attempt(Optional.empty(), Optional.empty()))).line());
        assertEquals("error: UNAVAILABLE: cannot reach or complete the TLS handshake with any of kms-a:8443, kms-b:8443: "
                + "check the endpoint and the certificates", cluster.format(Status.UNAVAILABLE.asRuntimeException()).line());
    }

    @Test
    void anyOtherStatusWithoutDetailsShowsCodeAndDescription() {
        RpcErrorFormatter.Report report = formatter.format(Status.UNIMPLEMENTED.withDescription("Method not found: x").asRuntimeException());

        assertEquals("error: UNIMPLEMENTED: the server answered without Coffre error details (Method not found: x)", report.line());
        assertEquals(ExitCodes.SERVER_FAILURE, report.exitCode());
    }

    @Test
    void controlCharactersFromTheServerCannotReachTheTerminal() {
        RpcErrorFormatter.Report report = formatter.format(rich(Status.Code.INTERNAL, "kms.coffre.fr", "INTERNAL_ERROR",
                "bad\u001b[2J\nthing\r", Map.of("k\n", "v\u0007")));

        assertEquals("error: INTERNAL_ERROR: the server failed unexpectedly; its log has the details [k=v] (bad [2J thing)",
                report.line());
    }

    @Test
    void longServerMessagesAreCut() {
        RpcErrorFormatter.Report report = formatter.format(Status.INTERNAL.withDescription("x".repeat(2000)).asRuntimeException());

        assertEquals("error: INTERNAL: the server answered without Coffre error details (" + "x".repeat(500) + "...)",
                report.line());
    }
}
