package coffre.kms.cli.output;

/**
 * Makes text that came from the server safe to print on a terminal: control characters (ANSI
 * escapes, carriage returns, newlines) become spaces, so a description or an error message can
 * neither rewrite what the user sees nor break a one-line-per-row table.
 */
public final class Printable {

    private Printable() {
    }

    /** {@code text} with every ISO control character replaced by a space. */
    public static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return out.toString();
    }
}
