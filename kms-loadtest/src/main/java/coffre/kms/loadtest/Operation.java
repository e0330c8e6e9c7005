package coffre.kms.loadtest;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The {@code CryptoService} calls the load generator can make. */
public enum Operation {
    WRAP("wrap"),
    UNWRAP("unwrap"),
    GENERATE_DATA_KEY("generate-data-key"),
    REWRAP("rewrap");

    private final String cliName;

    Operation(String cliName) {
        this.cliName = cliName;
    }

    /** The name used on the command line and in reports. */
    public String cliName() {
        return cliName;
    }

    /** True if the operation needs an existing envelope (made during preparation). */
    public boolean needsEnvelope() {
        return this == UNWRAP || this == REWRAP;
    }

    /**
     * Parses a command-line name: {@code wrap}, {@code unwrap}, {@code generate-data-key} (also
     * {@code datakey}), {@code rewrap}; case-insensitive.
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Operation parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        if (name.equals("datakey") || name.equals("generate_data_key")) {
            return GENERATE_DATA_KEY;
        }
        for (Operation op : values()) {
            if (op.cliName.equals(name)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown operation '" + text + "': allowed are "
                + Arrays.stream(values()).map(Operation::cliName).collect(Collectors.joining(", ")) + " (or datakey)");
    }
}
