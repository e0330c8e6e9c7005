package coffre.kms.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import coffre.kms.server.testing.TestServer;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.GetKeyRequest;
import coffre.kms.v1.Key;
import coffre.kms.v1.KeyState;
import coffre.kms.v1.RotateKeyRequest;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.WrapRequest;
import com.google.protobuf.ByteString;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys, versions and states survive a restart of the node on the same token and store. */
class RestartIT {
    @TempDir
    Path dir;

    @Test
    void keysStayUsableAcrossARestart() {
        try (TestServer node = TestServer.start(dir)) {
            Key key = node.createKey(CreateKeyRequest.newBuilder().setAlias("survivor").build());
            ByteString v1 = wrap(node, key.getId());
            node.approved(node.adminKeys().rotateKey(RotateKeyRequest.newBuilder().setKeyId(key.getId()).build())
                    .getApprovalRequest());
            ByteString v2 = wrap(node, "alias/survivor");
            Key disabled = node.createKey();
            node.disable(disabled.getId());

            node.restart();

            assertArrayEquals(new byte[] {5, 5}, unwrap(node, v1));
            assertArrayEquals(new byte[] {5, 5}, unwrap(node, v2));
            Key after = node.adminKeys().getKey(GetKeyRequest.newBuilder().setKeyId("alias/survivor").build()).getKey();
            assertEquals(2, after.getPrimaryVersion());
            assertEquals(KeyState.DISABLED, node.adminKeys()
                    .getKey(GetKeyRequest.newBuilder().setKeyId(disabled.getId()).build()).getKey().getState());
        }
    }

    private static ByteString wrap(TestServer node, String keyId) {
        return node.serviceCrypto().wrap(WrapRequest.newBuilder().setKeyId(keyId)
                .setPlaintext(ByteString.copyFrom(new byte[] {5, 5})).build()).getEnvelope();
    }

    private static byte[] unwrap(TestServer node, ByteString envelope) {
        return node.serviceCrypto().unwrap(UnwrapRequest.newBuilder().setEnvelope(envelope).build())
                .getPlaintext().toByteArray();
    }
}
