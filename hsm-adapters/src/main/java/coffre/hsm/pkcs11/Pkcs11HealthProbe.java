package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;
import coffre.hsm.HsmHealth;

/**
 * The cheap liveness check behind {@link Pkcs11Hsm#health()}: {@code C_GetTokenInfo} on the slot
 * and {@code C_GetSessionInfo} on the object session, no key operation.
 *
 * <p>Why these two calls: together they catch the failures that matter to a load balancer (module
 * or network link down, token removed or re-initialised under another label, PIN locked, login
 * lost after an appliance restart) without touching keys or spending HSM crypto capacity. The
 * detail text is for operators and holds no secret.
 */
final class Pkcs11HealthProbe {
    private final ObjectSession session;
    private final String expectedLabel;

    Pkcs11HealthProbe(ObjectSession session, String expectedLabel) {
        this.session = session;
        this.expectedLabel = expectedLabel;
    }

    /** Probes now; never throws. */
    Result probe() {
        try {
            Pkcs11Native.TokenInfo info = session.module().tokenInfo(session.slot());
            String where = "token '" + info.label() + "' in slot " + session.slot();
            if (!info.label().equals(expectedLabel)) {
                return new Result(new HsmHealth(false, "slot " + session.slot() + " now holds token '" + info.label()
                        + "', expected '" + expectedLabel + "'"), false);
            }
            if ((info.flags() & Pkcs11Native.CKF_USER_PIN_LOCKED) != 0) {
                return new Result(new HsmHealth(false, where + ": user PIN locked"), false);
            }
            long state = session.use(session.module()::sessionState);
            boolean loggedIn = state == Pkcs11Native.CKS_RW_USER_FUNCTIONS || state == Pkcs11Native.CKS_RO_USER_FUNCTIONS;
            if (!loggedIn) {
                return new Result(new HsmHealth(false, where + ": not logged in"), true);
            }
            return new Result(new HsmHealth(true, where + ": ready"), false);
        } catch (RuntimeException e) {
            String code = CkrErrorMapper.ckrName(e).orElse(e.getClass().getSimpleName());
            return new Result(new HsmHealth(false, "HSM unreachable (" + code + ")"), false);
        }
    }

    /**
     * Whether the token still answers as the one this instance opened ({@code C_GetTokenInfo}
     * succeeds and the label matches); never throws, takes no session.
     *
     * <p>Why: an empty search or {@code CKR_OBJECT_HANDLE_INVALID} means "no such key" on a
     * working token but "token gone" on a broken one. SoftHSM 2.6.1 whose token directory was moved
     * away answers searches with nothing and key use with {@code CKR_OBJECT_HANDLE_INVALID}, while
     * this call fails ({@code CKR_GENERAL_ERROR}); callers ask here before reporting a key missing.
     */
    boolean tokenReachable() {
        try {
            return session.module().tokenInfo(session.slot()).label().equals(expectedLabel);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * {@code e}, or an {@link HsmErrorKind#UNAVAILABLE} failure wrapping it when {@code e} says "no
     * such key" or "internal error" while the token does not answer: then the token is gone, and
     * the key (or the operation) is not.
     */
    HsmException outageOr(String operation, HsmException e) {
        if ((e.kind() == HsmErrorKind.KEY_NOT_FOUND || e.kind() == HsmErrorKind.INTERNAL) && !tokenReachable()) {
            return unavailable(operation, e);
        }
        return e;
    }

    /** The failure of {@code operation} because the token does not answer. */
    HsmException unavailable(String operation, HsmException cause) {
        return new HsmException(HsmErrorKind.UNAVAILABLE, "HSM " + operation + " failed: the token '" + expectedLabel
                + "' does not answer", cause == null ? null : cause.pkcs11Code().orElse(null), cause);
    }

    /** The probe outcome, and whether a re-login might help. */
    record Result(HsmHealth health, boolean needsLogin) {
    }
}
