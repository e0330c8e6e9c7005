package coffre.kms.loadtest;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Which operations a run makes, in which proportions: {@code wrap} alone, or weights such as
 * {@code wrap=70,unwrap=25,rewrap=5}. Weights are non-negative integers; they need not add up to
 * 100. Each call picks its operation independently, so the ratios hold over many calls.
 */
public final class OperationMix {
    private final Map<Operation, Integer> weights;
    private final Operation[] operations;
    private final long[] cumulative;
    private final long total;

    private OperationMix(Map<Operation, Integer> weights) {
        this.weights = Collections.unmodifiableMap(new EnumMap<>(weights));
        long sum = 0;
        int n = (int) weights.values().stream().filter(w -> w > 0).count();
        this.operations = new Operation[n];
        this.cumulative = new long[n];
        int i = 0;
        for (Map.Entry<Operation, Integer> e : this.weights.entrySet()) {
            if (e.getValue() > 0) {
                sum += e.getValue();
                operations[i] = e.getKey();
                cumulative[i] = sum;
                i++;
            }
        }
        this.total = sum;
    }

    /** A mix of one operation only. */
    public static OperationMix of(Operation op) {
        return new OperationMix(Map.of(op, 1));
    }

    /**
     * Parses {@code op} or {@code op=weight,op=weight,...}.
     *
     * @throws IllegalArgumentException if an operation is unknown or repeated, a weight is not a
     *     non-negative integer, or every weight is zero
     */
    public static OperationMix parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty operation mix: give e.g. wrap, or wrap=70,unwrap=30");
        }
        Map<Operation, Integer> weights = new EnumMap<>(Operation.class);
        for (String part : text.split(",")) {
            String[] kv = part.split("=", -1);
            if (kv.length > 2) {
                throw new IllegalArgumentException("bad mix entry '" + part + "': expected op or op=weight");
            }
            Operation op = Operation.parse(kv[0]);
            int weight = 1;
            if (kv.length == 2) {
                try {
                    weight = Integer.parseInt(kv[1].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad weight '" + kv[1] + "' for " + op.cliName()
                            + ": expected a non-negative integer");
                }
                if (weight < 0) {
                    throw new IllegalArgumentException("bad weight " + weight + " for " + op.cliName()
                            + ": expected a non-negative integer");
                }
            }
            if (weights.put(op, weight) != null) {
                throw new IllegalArgumentException("operation " + op.cliName() + " appears twice in the mix");
            }
        }
        if (weights.values().stream().allMatch(w -> w == 0)) {
            throw new IllegalArgumentException("every weight of the mix '" + text + "' is zero");
        }
        return new OperationMix(weights);
    }

    /** Picks the operation of one call. */
    public Operation next(RandomGenerator random) {
        if (operations.length == 1) {
            return operations[0];
        }
        return at(random.nextLong(total));
    }

    /** The operation for a point {@code 0 <= ticket < total weight}: the deterministic core of {@link #next}. */
    Operation at(long ticket) {
        for (int i = 0; i < cumulative.length; i++) {
            if (ticket < cumulative[i]) {
                return operations[i];
            }
        }
        throw new IllegalArgumentException("ticket " + ticket + " is outside [0, " + total + ")");
    }

    /** The share (0..1) of calls that make {@code op}. */
    public double share(Operation op) {
        return weights.getOrDefault(op, 0) / (double) total;
    }

    /** True if some call of this mix needs an RSA-OAEP ciphertext made before the run. */
    public boolean needsRsaCiphertexts() {
        for (Operation op : operations) {
            if (op.needsRsaCiphertext()) {
                return true;
            }
        }
        return false;
    }

    /** True if some call of this mix needs an existing envelope. */
    public boolean needsEnvelopes() {
        for (Operation op : operations) {
            if (op.needsEnvelope()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks that every operation of the mix is made over {@code protocol}: one run speaks one
     * protocol (its connections, its options).
     *
     * @throws IllegalArgumentException naming the first operation of another protocol and the flag
     *     it needs
     */
    public OperationMix requireProtocol(Protocol protocol) {
        for (Operation op : operations) {
            if (op.protocol() != protocol) {
                throw new IllegalArgumentException("operation " + op.cliName() + " is made over "
                        + op.protocol().cliName() + ", not " + protocol.cliName() + ": "
                        + (op.protocol() == Protocol.XKS ? "add --protocol xks" : "use it without --protocol xks")
                        + " (one run speaks one protocol)");
            }
        }
        return this;
    }

    /** The operations with a non-zero weight, in declaration order. */
    public java.util.List<Operation> operations() {
        return java.util.List.of(operations);
    }

    /** e.g. {@code wrap=70,unwrap=30}, or {@code wrap} for a single operation. */
    @Override
    public String toString() {
        if (operations.length == 1) {
            return operations[0].cliName();
        }
        StringBuilder s = new StringBuilder();
        for (Operation op : operations) {
            if (!s.isEmpty()) {
                s.append(',');
            }
            s.append(op.cliName()).append('=').append(weights.get(op));
        }
        return s.toString();
    }
}
