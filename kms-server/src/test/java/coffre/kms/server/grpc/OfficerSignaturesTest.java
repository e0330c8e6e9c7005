package coffre.kms.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.SignedTime;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;

/** The officer's signature of every act-now call, as the approval engine checks it. */
class OfficerSignaturesTest {

    @Test
    void aCallWithoutItsSignatureIsMissingTheField() {
        KmsException e = assertThrows(KmsException.class,
                () -> OfficerSignatures.required(false, coffre.kms.v1.OfficerSignature.getDefaultInstance()));
        assertEquals(ErrorReason.MISSING_FIELD, e.reason());
        assertEquals("signature", e.metadata().get("field"));
    }

    @Test
    void theSignatureIsCarriedAsSent() {
        OfficerSignature signature = OfficerSignatures.required(true, coffre.kms.v1.OfficerSignature.newBuilder().setOfficerId("carol")
                .setSignedTime(Timestamp.newBuilder().setSeconds(1_780_000_000L).setNanos(-1))
                .setSignature(ByteString.copyFrom(new byte[] {9, 8})).build());
        assertEquals("carol", signature.officerId());
        assertEquals(new SignedTime(1_780_000_000L, -1), signature.signedTime());
        assertArrayEquals(new byte[] {9, 8}, signature.signature());
    }

    @Test
    void anEmptySignatureIsLeftForTheEngineToName() {
        // The engine names signature.officer_id, then signature.signed_time: the edge only maps.
        OfficerSignature empty = OfficerSignatures.required(true, coffre.kms.v1.OfficerSignature.getDefaultInstance());
        assertEquals("", empty.officerId());
        assertNull(empty.signedTime());
        assertEquals(0, empty.signature().length);
    }
}
