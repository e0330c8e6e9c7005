package coffre.hsm.pkcs11;

import coffre.hsm.Hsm;
import coffre.hsm.testing.SoftHsmConformanceSuite;
import coffre.hsm.testing.SoftHsmTestToken;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The conformance suite on SoftHSM2 through {@link RecoveringHsm} (as the server uses it), with
 * session copies: the wrapper must keep every contract of the port when nothing fails.
 */
class SoftHsmRecoveringIT extends SoftHsmConformanceSuite {
    @Override
    protected boolean sessionKeyCopies() {
        return true;
    }

    @Override
    protected Hsm openHsm() {
        SoftHsmTestToken token = SoftHsmTestToken.get();
        Path copies = token.confPath().resolveSibling("library-copies-" + UUID.randomUUID());
        return RecoveringHsm.open(token.config(sessions(), sessionKeyCopies()), copies);
    }
}
