package coffre.kms.server.testing;

import coffre.hsm.Hsm;
import coffre.hsm.testing.HsmConformanceSuite;

/**
 * The HSM conformance suite against {@link SoftwareHsm}, the pure-Java stand-in of the server's
 * unit tests, so that the fake cannot drift from the port's contract: a test that passes on the
 * fake must mean what it would mean on a real HSM (the same errors for the same mistakes, the same
 * refusals, references that belong to their instance). Instances after the first are opened over
 * the first one's keys, as a second process opens the same token.
 */
class SoftwareHsmConformanceTest extends HsmConformanceSuite {
    private SoftwareHsm first;

    @Override
    protected Hsm openHsm() {
        if (first == null) {
            first = new SoftwareHsm();
            return first;
        }
        return first.anotherInstance();
    }
}
