package coffre.kms.cli.output;

/**
 * A block of {@code Label: value} lines with the values aligned, for the details of one object.
 * Values are cleaned with {@link Printable#clean} so each stays on its line.
 */
public final class LabelledBlock {

    private final int width;
    private final StringBuilder out = new StringBuilder();

    /** @param width the label column, colon and space included */
    public LabelledBlock(int width) {
        this.width = width;
    }

    /** Adds {@code label: value}. */
    public LabelledBlock field(String label, String value) {
        String head = label + ":";
        // A label longer than the column still gets one space before its value.
        out.append(head).append(" ".repeat(Math.max(1, width - head.length()))).append(Printable.clean(value)).append('\n');
        return this;
    }

    /** Adds {@code text} as is; it must end with a newline. */
    public LabelledBlock text(String text) {
        out.append(text);
        return this;
    }

    /** Adds each line of {@code text} indented by two spaces. */
    public LabelledBlock indented(String text) {
        text.lines().forEach(line -> out.append("  ").append(line).append('\n'));
        return this;
    }

    public String render() {
        return out.toString();
    }
}
