package coffre.kms.cli.errors;

import coffre.kms.cli.connection.CallAttempts;
import coffre.kms.client.Endpoint;
import coffre.kms.client.Endpoints;
import coffre.kms.cli.output.Printable;
import coffre.kms.client.CoffreErrors;
import coffre.kms.v1.ErrorReason;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a failed call into one line for stderr and an exit code.
 *
 * <p>The line is {@code error: <REASON>: <explanation>[ [k=v, ...]] (<server message>)} when the
 * server sent a Coffre {@link ErrorInfo} (read by kms-client's {@link CoffreErrors}, as every Java
 * caller reads it), and names the gRPC code instead otherwise. Servers never
 * put plaintext or key material in messages, and this class only ever sees the status, so no
 * secret of the command can end up in an error line. Text from the server is stripped of control
 * characters so a hostile or broken server cannot rewrite the user's terminal.
 */
public final class RpcErrorFormatter {

    private static final int MAX_SERVER_TEXT = 500;

    private final Endpoints endpoints;
    private final Duration timeout;

    /**
     * @param endpoint the server called, named in connection errors
     * @param timeout the deadline used, named in timeout errors
     */
    public RpcErrorFormatter(Endpoint endpoint, Duration timeout) {
        this(Endpoints.of(endpoint), timeout);
    }

    /**
     * @param endpoints the nodes the call could go to, named in connection and timeout errors
     * @param timeout the deadline used, named in timeout errors
     */
    public RpcErrorFormatter(Endpoints endpoints, Duration timeout) {
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The error line and exit code for {@code failure}, a {@code StatusRuntimeException} or {@code StatusException}. */
    public Report format(Throwable failure) {
        return format(failure, List.of());
    }

    /**
     * The error line and exit code for {@code failure}; a deadline over several endpoints names
     * the nodes the call's {@code attempts} went to, how each ended, and the nodes no attempt reached.
     */
    public Report format(Throwable failure, List<CallAttempts.Attempt> attempts) {
        Status status = Status.fromThrowable(failure);
        com.google.rpc.Status rich = StatusProto.fromThrowable(failure);
        int exitCode = ExitCodes.forStatus(status.getCode());
        String serverMessage = rich != null && !rich.getMessage().isEmpty()
                ? rich.getMessage()
                : Optional.ofNullable(status.getDescription()).orElse("");

        Optional<ErrorInfo> info = CoffreErrors.errorInfo(failure);
        if (info.isPresent()) {
            return new Report(withInfo(status.getCode(), info.get(), serverMessage), exitCode);
        }
        String line = switch (status.getCode()) {
            // The transport's own description ("io exception", the Netty pipeline) says less than its cause.
            case UNAVAILABLE -> "error: UNAVAILABLE: cannot reach or complete the TLS handshake with " + endpoints.describe()
                    + ": check the endpoint and the certificates"
                    + suffix(causeOf(status).isEmpty() ? serverMessage : causeOf(status));
            case DEADLINE_EXCEEDED -> "error: DEADLINE_EXCEEDED: " + noAnswer(attempts)
                    + ": check the server or raise --timeout" + suffix(serverMessage);
            default -> "error: " + status.getCode() + ": the server answered without Coffre error details"
                    + suffix(join(serverMessage, causeOf(status)));
        };
        return new Report(line, exitCode);
    }

    /**
     * What a deadline means here. With one endpoint: no answer from it. With several: which nodes
     * the attempts reached (most often one: a call goes to one connected node and moves on only
     * after {@code UNAVAILABLE}) and how each ended, then the nodes no attempt reached.
     */
    private String noAnswer(List<CallAttempts.Attempt> attempts) {
        String within = " within " + timeout.toSeconds() + " s";
        if (endpoints.all().size() == 1) {
            return "no answer from " + endpoints.first() + within;
        }
        List<String> tried = new ArrayList<>();
        List<SocketAddress> reached = new ArrayList<>();
        for (CallAttempts.Attempt attempt : attempts) {
            attempt.node().ifPresent(node -> {
                reached.add(node);
                tried.add(CallAttempts.describe(node) + " (" + attempt.outcome().map(RpcErrorFormatter::ending)
                        .orElse("no answer") + ")");
            });
        }
        if (tried.isEmpty()) {
            return "no connection to " + endpoints.describe() + within + " (the call reached no node)";
        }
        List<String> untouched = endpoints.all().stream().filter(e -> reached.stream().noneMatch(n -> sameNode(e, n)))
                .map(Endpoint::toString).toList();
        return "no answer" + within + "; tried " + String.join(", then ", tried)
                + (untouched.isEmpty() ? "" : "; no call went to " + String.join(", ", untouched));
    }

    /** How one attempt ended: "no answer" when the deadline cut it, else its code and message. */
    private static String ending(Status status) {
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED, CANCELLED -> "no answer";
            default -> status.getCode() + (status.getDescription() == null ? "" : ": " + clean(status.getDescription()));
        };
    }

    /** Whether {@code node} is {@code endpoint}: same port, and the host is that address or resolves to it. */
    private static boolean sameNode(Endpoint endpoint, SocketAddress node) {
        if (!(node instanceof InetSocketAddress ip) || ip.getPort() != endpoint.port()) {
            return false;
        }
        if (ip.getHostString().equalsIgnoreCase(endpoint.host())) {
            return true;
        }
        try {
            // Resolved moments ago by the channel: the JVM's cache answers.
            for (InetAddress address : InetAddress.getAllByName(endpoint.host())) {
                if (address.equals(ip.getAddress())) {
                    return true;
                }
            }
        } catch (UnknownHostException | SecurityException e) {
            // Then it is not known to be this node; it is listed as not reached, which it may not have been.
            return false;
        }
        return false;
    }

    private static String withInfo(Status.Code code, ErrorInfo info, String serverMessage) {
        ErrorReason reason = CoffreErrors.knownReason(info).orElse(null);
        String metadata = metadata(info.getMetadataMap());
        if (reason == null) {
            return "error: " + code + ": unrecognised error reason " + clean(info.getReason())
                    + " (domain " + clean(info.getDomain()) + ")" + metadata + suffix(serverMessage);
        }
        return "error: " + reason.name() + ": " + ReasonExplanations.explain(reason) + metadata + suffix(serverMessage);
    }

    private static String metadata(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(" [");
        new TreeMap<>(metadata).forEach((k, v) -> {
            if (out.length() > 2) {
                out.append(", ");
            }
            out.append(clean(k)).append('=').append(clean(v));
        });
        return out.append(']').toString();
    }

    /** The innermost cause's message, which for transport failures says what actually happened (refused, PKIX, ...). */
    private static String causeOf(Status status) {
        Throwable cause = status.getCause();
        if (cause == null) {
            return "";
        }
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String join(String first, String second) {
        if (first.isEmpty()) {
            return second;
        }
        if (second.isEmpty() || first.contains(second)) {
            return first;
        }
        return first + "; " + second;
    }

    private static String suffix(String serverMessage) {
        String text = clean(serverMessage);
        return text.isBlank() ? "" : " (" + text + ")";
    }

    /** Removes control characters (ANSI escapes, newlines) and bounds the length of text from the network. */
    private static String clean(String text) {
        boolean tooLong = text.codePointCount(0, text.length()) > MAX_SERVER_TEXT;
        String bounded = tooLong ? text.substring(0, text.offsetByCodePoints(0, MAX_SERVER_TEXT)) + "..." : text;
        return Printable.clean(bounded).strip();
    }

    /**
     * What to tell the user about a failed call.
     *
     * @param line one line, starting with {@code error: }, without a line terminator
     * @param exitCode from {@link ExitCodes}
     */
    public record Report(String line, int exitCode) {
    }
}
