package coffre.hsm.pkcs11;

import coffre.hsm.testing.SoftHsmConformanceSuite;

/** The conformance suite on SoftHSM2 with session-object copies of token keys (the profile default). */
class SoftHsmSessionCopiesIT extends SoftHsmConformanceSuite {
    @Override
    protected boolean sessionKeyCopies() {
        return true;
    }
}
