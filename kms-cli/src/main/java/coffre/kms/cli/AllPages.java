package coffre.kms.cli;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Follows a list call's page tokens to the last page, for the commands that list everything
 * ({@code keys list --all}, {@code approvals list}, {@code xks stores list}, {@code xks keys list}).
 * A token the server hands out twice stops the walk with an error: a server bug must not turn into
 * an endless loop that fills the terminal.
 */
public final class AllPages {
    private AllPages() {
    }

    /**
     * Fetches the page of {@code from} ({@code ""} for the first), hands it to {@code take}, and goes
     * on with its next-page token until that is empty.
     *
     * @throws IOException if the server returns a next-page token it returned before
     */
    public static <P> void walk(String from, Function<String, P> fetch, Function<P, String> nextToken, Consumer<P> take)
            throws IOException {
        Set<String> seenTokens = new HashSet<>();
        String token = from;
        do {
            P page = fetch.apply(token);
            take.accept(page);
            token = nextToken.apply(page);
            if (!token.isEmpty() && !seenTokens.add(token)) {
                throw new IOException("the server returned page token '" + token + "' twice; stopped listing");
            }
        } while (!token.isEmpty());
    }
}
