package coffre.kms.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How an XKS call is written into the fields of an audit event, and read back for queries. */
class XksCallRecordTest {
    private static final String ARN = "arn:aws:iam::123456789012:user/Alice";

    private static XksCallRecord record(String principalArn, String kmsKeyArn, String requestId) {
        return new XksCallRecord("xks-abcdefghijklmnop", "eu-store", "foo", "AKIAI2SFODNN7EXAMPLE", requestId,
                "Encrypt", principalArn, kmsKeyArn, "ebs", null, null, "AccessDeniedException", "rules[1]");
    }

    @Test
    void fieldsLandWhereQueriesLookForThem() {
        XksCallRecord r = record(ARN, "arn:aws:kms:us-east-2:123456789012:key/1234abcd", "4112f4d6-db54");
        assertEquals("xks:eu-store", r.principal());
        assertEquals("xks-abcdefghijklmnop", r.target());
        assertEquals("4112f4d6-db54", r.requestId());
        assertEquals("awsPrincipalArn=" + ARN + " kmsOperation=Encrypt externalKeyId=foo errorName=AccessDeniedException"
                + " accessKeyId=AKIAI2SFODNN7EXAMPLE kmsViaService=ebs kmsKeyArn=arn:aws:kms:us-east-2:123456789012:key/1234abcd"
                + " denial=rules[1]", r.detail());
        assertEquals(Optional.of(ARN), XksCallRecord.awsPrincipalOf(AuditEventType.XKS_ENCRYPT, r.detail()));
        assertEquals(Optional.empty(), XksCallRecord.awsPrincipalOf(AuditEventType.WRAP, r.detail()),
                "only XKS events carry it");
    }

    @Test
    void valuesAreEscapedAndReadBack() {
        XksCallRecord r = new XksCallRecord("xks-a", "s", null, null, "id", "Decrypt", "AWS Internal", null, null,
                "vpc-1", "vpce=%x\u00e9", null, null);
        String detail = r.detail();
        assertFalse(detail.contains("AWS Internal"), detail);
        Map<String, String> pairs = XksCallRecord.parse(detail);
        assertEquals("AWS Internal", pairs.get("awsPrincipalArn"));
        assertEquals("vpce=%x\u00e9", pairs.get("awsSourceVpce"));
        assertEquals(Optional.of("AWS Internal"), XksCallRecord.awsPrincipalOf(AuditEventType.XKS_DECRYPT, detail));
        assertFalse(pairs.containsKey("externalKeyId"), "absent values are left out");
    }

    @Test
    void longValuesKeepTheirStartAndDigestAndTheDetailFits() {
        String longArn = "arn:aws:iam::123456789012:role/" + "x".repeat(2000);
        XksCallRecord r = record(longArn, "arn:aws:kms:eu-west-1:1:key/" + "k".repeat(2000), "r".repeat(300));
        String detail = r.detail();
        assertTrue(detail.length() <= AuditEvent.MAX_DETAIL, detail.length() + "");
        String form = XksCallRecord.valueForm(longArn);
        assertEquals(XksCallRecord.MAX_VALUE_CHARS, form.length());
        assertTrue(form.startsWith("arn:aws:iam::123456789012:role/xxx"));
        assertEquals(Optional.of(form), XksCallRecord.awsPrincipalOf(AuditEventType.XKS_ENCRYPT, detail));
        assertTrue(detail.endsWith("denial=rules[1]"), "two long ARNs still fit: " + detail);

        String v = "v".repeat(150);
        XksCallRecord crowded = new XksCallRecord("xks-a", "s", "e".repeat(128), "AKIAI2SFODNN7EXAMPLE", "r",
                "Op" + v, longArn, longArn, v, v, v, "ValidationException", "rules[0]");
        String cut = crowded.detail();
        assertTrue(cut.length() <= AuditEvent.MAX_DETAIL, cut.length() + "");
        assertTrue(cut.endsWith(" truncated=1"), cut);
        assertEquals(Optional.of(form), XksCallRecord.awsPrincipalOf(AuditEventType.XKS_ENCRYPT, cut),
                "the AWS principal comes first and always fits");
        assertEquals(64, r.requestId().length());
        assertEquals(XksCallRecord.requestIdForm("r".repeat(300)), r.requestId());
        assertFalse(XksCallRecord.valueForm(longArn).equals(XksCallRecord.valueForm(longArn + "y")));
    }

    @Test
    void queriesMatchOnlyXksEventsOnTheirFilters() {
        XksCallRecord r = record(ARN, null, "req-1");
        AuditQuery byStoreName = query(null, null, "eu-store");
        AuditQuery byStoreId = query(null, null, "xks-abcdefghijklmnop");
        AuditQuery byArn = query(null, ARN, null);
        AuditQuery byRequest = query("req-1", null, null);
        for (AuditQuery q : new AuditQuery[] {byStoreName, byStoreId, byArn, byRequest}) {
            assertTrue(q.matchesXks(AuditEventType.XKS_ENCRYPT, r.principal(), r.requestId(), r.target(), r.detail()));
            assertFalse(q.matchesXks(AuditEventType.WRAP, r.principal(), r.requestId(), r.target(), r.detail()));
        }
        assertFalse(query("req-2", null, null).matchesXks(AuditEventType.XKS_ENCRYPT, r.principal(), r.requestId(),
                r.target(), r.detail()));
        assertFalse(query(null, ARN + "x", null).matchesXks(AuditEventType.XKS_ENCRYPT, r.principal(), r.requestId(),
                r.target(), r.detail()));
        assertTrue(query(null, null, null).matchesXks(AuditEventType.WRAP, "", "", "", ""));
    }

    static AuditQuery query(String requestId, String arn, String store) {
        return new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false, 100, Optional.ofNullable(requestId), Optional.ofNullable(arn),
                Optional.ofNullable(store));
    }
}
