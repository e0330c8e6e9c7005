package coffre.hsm.pkcs11;

import coffre.hsm.testing.SoftHsmConformanceSuite;

/** The conformance suite on SoftHSM2 operating on the token keys themselves (no session copies). */
class SoftHsmTokenKeysIT extends SoftHsmConformanceSuite {
    @Override
    protected boolean sessionKeyCopies() {
        return false;
    }
}
