package coffre.kms.cli.output;

import coffre.kms.v1.OfficerSignature;

/**
 * The line an act-now command (disable, revoke, suspend) prints above the object it changed: what
 * was done, on whose signature and when, and what undoing it takes. The object's own table does
 * not say who acted, and a kill switch pulled by the wrong officer must be visible at once.
 */
public final class ActNowRendering {

    private ActNowRendering() {
    }

    /**
     * E.g. {@code "Key key-1 disabled by officer alice (signed 2026-12-07T09:00:00Z); enabling it
     * again needs officers' approval.\n"}.
     *
     * @param done what happened, e.g. {@code "Key key-1 disabled"}
     * @param signature the signature the server acted on
     * @param undo what undoing it takes, or empty
     */
    public static String line(String done, OfficerSignature signature, String undo) {
        return Printable.clean(done + " by officer " + signature.getOfficerId() + " (signed "
                + Times.format(signature.getSignedTime()) + ")" + (undo.isEmpty() ? "" : "; " + undo) + ".") + "\n";
    }
}
