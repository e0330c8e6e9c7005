package coffre.kms.cli.errors;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of {@code coffre}, one per category of outcome, so scripts can branch without
 * parsing messages. The same table is printed in {@code coffre --help}.
 *
 * <table>
 *   <caption>Exit codes</caption>
 *   <tr><th>code</th><th>meaning</th></tr>
 *   <tr><td>0</td><td>success</td></tr>
 *   <tr><td>1</td><td>local failure: reading {@code --in} or writing {@code --out}, or an unexpected client error</td></tr>
 *   <tr><td>2</td><td>usage: bad or missing option or argument, missing or invalid connection setting, unloadable TLS files</td></tr>
 *   <tr><td>64</td><td>the server rejected an argument (INVALID_ARGUMENT, OUT_OF_RANGE; includes DECRYPTION_FAILED)</td></tr>
 *   <tr><td>65</td><td>not found (NOT_FOUND)</td></tr>
 *   <tr><td>66</td><td>conflict (ALREADY_EXISTS, ABORTED)</td></tr>
 *   <tr><td>67</td><td>denied (UNAUTHENTICATED, PERMISSION_DENIED)</td></tr>
 *   <tr><td>68</td><td>the key's state forbids the operation (FAILED_PRECONDITION)</td></tr>
 *   <tr><td>69</td><td>unavailable, retry may help (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED)</td></tr>
 *   <tr><td>70</td><td>server-side failure (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED, anything else)</td></tr>
 *   <tr><td>71</td><td>refused: an approval request from the server fails coffre's own checks (its digest does
 *       not match its operation, or the operation cannot be shown in plain words), so it is neither shown as
 *       trustworthy nor signed</td></tr>
 *   <tr><td>72</td><td>tampered: audit verification found an edited, missing, reordered or inserted event</td></tr>
 *   <tr><td>73</td><td>invalid signature: {@code coffre verify} was answered that the signature does not verify</td></tr>
 * </table>
 *
 * <p>64-70 reuse the sysexits range on purpose: they are above anything a shell or the JVM uses
 * for its own failures (126, 127, 128+signal) and below the codes picocli reserves.
 */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int LOCAL_FAILURE = 1;
    public static final int USAGE = 2;
    public static final int INVALID_ARGUMENT = 64;
    public static final int NOT_FOUND = 65;
    public static final int CONFLICT = 66;
    public static final int DENIED = 67;
    public static final int FAILED_PRECONDITION = 68;
    public static final int UNAVAILABLE = 69;
    public static final int SERVER_FAILURE = 70;
    public static final int REFUSED = 71;
    public static final int TAMPERED = 72;
    public static final int INVALID_SIGNATURE = 73;

    private ExitCodes() {
    }

    /** The exit code for a call that ended with {@code code}; never {@link #OK}, even for {@code Status.Code.OK}. */
    public static int forStatus(Status.Code code) {
        // A switch without default: adding a gRPC code fails the build until it is placed here.
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> INVALID_ARGUMENT;
            case NOT_FOUND -> NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> CONFLICT;
            case UNAUTHENTICATED, PERMISSION_DENIED -> DENIED;
            case FAILED_PRECONDITION -> FAILED_PRECONDITION;
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED -> UNAVAILABLE;
            case INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED, OK -> SERVER_FAILURE;
        };
    }

    /** The table for the help text: code to one-line meaning, in ascending order. */
    public static Map<String, String> describe() {
        Map<String, String> table = new LinkedHashMap<>();
        table.put(Integer.toString(OK), "Success.");
        table.put(Integer.toString(LOCAL_FAILURE), "Local failure (reading --in, writing --out, unexpected client error).");
        table.put(Integer.toString(USAGE), "Usage error: bad option or argument, missing or invalid connection setting.");
        table.put(Integer.toString(INVALID_ARGUMENT), "The server rejected an argument (incl. DECRYPTION_FAILED).");
        table.put(Integer.toString(NOT_FOUND), "Not found: key, grant, officer, approval request, key store, credential or key mapping.");
        table.put(Integer.toString(CONFLICT), "Conflict: alias, officer, key store or key mapping already exists, duplicate vote, concurrent change.");
        table.put(Integer.toString(DENIED), "Not authenticated, permission denied, or signature refused.");
        table.put(Integer.toString(FAILED_PRECONDITION),
                "State forbids it: key state, not initialised, approval required or closed.");
        table.put(Integer.toString(UNAVAILABLE), "Server, HSM or store unavailable, or timed out: retry may help.");
        table.put(Integer.toString(SERVER_FAILURE), "Server-side failure.");
        table.put(Integer.toString(REFUSED), "Refused: the server's approval request fails coffre's own checks; not signed.");
        table.put(Integer.toString(TAMPERED), "Tampered: audit verification found a bad event (named in the output).");
        table.put(Integer.toString(INVALID_SIGNATURE), "Invalid signature: 'coffre verify' found it does not verify.");
        return table;
    }
}
