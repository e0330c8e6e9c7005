package coffre.kms.cli.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.v1.QueryAuditEventsRequest;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The audit filters as the commands that read events share them, the XKS ones included. */
class AuditFiltersTest {

    @Command(name = "query")
    static final class Holder {
        @Mixin
        AuditFilters filters;
    }

    private static QueryAuditEventsRequest parse(String... args) {
        Holder holder = new Holder();
        new CommandLine(holder).parseArgs(args);
        return holder.filters.request().build();
    }

    @Test
    void xksFiltersReachTheRequest() {
        QueryAuditEventsRequest request = parse("--kms-request-id", "4112f4d6-db54-4af4-ae30-c55a22a8dfae",
                "--aws-principal", "arn:aws:iam::123456789012:user/Alice", "--xks-key-store", "eu-store",
                "--type", "xks_encrypt");
        assertEquals("4112f4d6-db54-4af4-ae30-c55a22a8dfae", request.getKmsRequestId());
        assertEquals("arn:aws:iam::123456789012:user/Alice", request.getAwsPrincipalArn());
        assertEquals("eu-store", request.getXksKeyStore());
        assertEquals("XKS_ENCRYPT", request.getType());
    }

    @Test
    void absentFiltersStayUnset() {
        assertEquals(QueryAuditEventsRequest.getDefaultInstance(), parse());
    }
}
