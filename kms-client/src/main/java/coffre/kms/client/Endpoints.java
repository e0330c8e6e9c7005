package coffre.kms.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The nodes of a Coffre cluster a client may call: one or more {@link Endpoint}s, in the order
 * given, without duplicates. Any node answers any call, so the channel spreads calls over all of
 * them ({@code round_robin}) and goes on with the others when one is down.
 *
 * <p>Written {@code host:port[,host:port...]} in every place an endpoint can be set (flag,
 * environment, config file); {@link #toString()} gives that form back.
 *
 * @param all the endpoints, 1 to {@value #MAX}
 */
public record Endpoints(List<Endpoint> all) {

    /** Most endpoints accepted: more nodes than this belong behind a DNS name or load balancer. */
    public static final int MAX = 64;

    public Endpoints {
        Objects.requireNonNull(all, "all");
        all = List.copyOf(all);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        if (all.size() > MAX) {
            throw new IllegalArgumentException(all.size() + " endpoints, at most " + MAX + " are accepted");
        }
        Set<Endpoint> seen = new HashSet<>();
        for (Endpoint endpoint : all) {
            if (!seen.add(endpoint)) {
                throw new IllegalArgumentException("'" + endpoint + "' is listed twice");
            }
        }
    }

    /** The given endpoints. */
    public static Endpoints of(Endpoint... endpoints) {
        return new Endpoints(List.of(endpoints));
    }

    /**
     * Parses {@code host:port[,host:port...]}; blanks around each entry are ignored.
     *
     * @throws IllegalArgumentException with a message saying which entry is wrong and what is expected
     */
    public static Endpoints parse(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("no endpoint given (expected host:port, or several separated by commas)");
        }
        String[] entries = text.split(",", -1);
        if (entries.length > MAX) {
            throw new IllegalArgumentException("'" + text + "' lists " + entries.length + " endpoints, at most " + MAX
                    + " are accepted");
        }
        List<Endpoint> endpoints = new ArrayList<>(entries.length);
        for (int i = 0; i < entries.length; i++) {
            if (entries[i].isBlank()) {
                throw new IllegalArgumentException("'" + text + "' has an empty entry at position " + (i + 1)
                        + " (expected host:port,host:port,...)");
            }
            try {
                endpoints.add(parseEntry(entries[i].strip()));
            } catch (IllegalArgumentException e) {
                // One endpoint: the message as before; several: say which one is wrong.
                throw entries.length == 1 ? e
                        : new IllegalArgumentException("entry " + (i + 1) + " of '" + text + "': " + e.getMessage(), e);
            }
        }
        try {
            return new Endpoints(endpoints);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " in '" + text + "'", e);
        }
    }

    private static Endpoint parseEntry(String entry) {
        if (entry.matches(".*[\\s;].*")) {
            throw new IllegalArgumentException("'" + entry + "' is not host:port (separate several endpoints with commas)");
        }
        return Endpoint.parse(entry);
    }

    /** The first endpoint: it names the cluster where one name is needed (the channel's default authority). */
    public Endpoint first() {
        return all.get(0);
    }

    /** For messages: {@code a:1} for one endpoint, {@code any of a:1, b:2} for several. */
    public String describe() {
        return all.size() == 1 ? first().toString() : "any of " + String.join(", ", all.stream().map(Endpoint::toString).toList());
    }

    /** {@code host:port[,host:port...]}, the form {@link #parse} reads. */
    @Override
    public String toString() {
        return String.join(",", all.stream().map(Endpoint::toString).toList());
    }
}
