package coffre.kms.server.cluster;

/**
 * How a node learns that shared state changed, so that its in-memory views (keys, grants, the
 * approval watch streams) follow the store while the hot path keeps reading memory only.
 *
 * <p>Contract: the store announces every committed change of a key, a grant, an approval request
 * or an external key store (its credentials and mappings included)
 * <em>as part of the writing transaction</em>, so a change is announced if and only if it
 * committed. Subscribers hear of each announced change (from every node, this one included), one
 * at a time on one thread, in commit order; each announcement names what changed, never its new
 * value, and the subscriber re-reads that record from the store. Announcements can be lost (a
 * node's connection to the database breaks): whenever that may have happened, and periodically as
 * a safety net, subscribers are told to {@link Subscriber#resync() resync} everything instead.
 *
 * <p>A single node on the embedded store has no one to hear from: {@link #NONE}.
 */
public interface ChangeFeed extends AutoCloseable {

    /**
     * The kinds of record whose changes are announced ({@code XKS}: an external key store, by its
     * id; {@code DKE}: a DKE key name mapping, by its name).
     */
    enum Topic { KEY, GRANT, APPROVAL, XKS, DKE }

    /** Told of changes; called on the feed's one thread, never concurrently. */
    interface Subscriber {
        /**
         * The record {@code id} of {@code topic} changed.
         *
         * @param local true if this node (this very feed's process) made the change
         */
        void changed(Topic topic, String id, boolean local);

        /** Announcements may have been missed: reload the whole view from the store. */
        void resync();
    }

    /** Adds a subscriber; call before {@link #start()}. */
    void subscribe(Subscriber subscriber);

    /**
     * Starts listening. Subscribers are told to resync once listening works, which covers any
     * change made between their initial load and the start.
     */
    void start();

    /**
     * Tells {@code listener}, on the applying thread after the subscribers have applied it, how long
     * after its writer announced it each change took to be applied on this node (for monitoring; it
     * must not block). Announcements from nodes that send no time are not told; a negative gap
     * (clocks apart) is told as zero. A single node has nothing to tell.
     */
    default void watchPropagation(java.util.function.Consumer<java.time.Duration> listener) {
    }

    /** True while announcements are being received (always true for {@link #NONE}). */
    boolean listening();

    @Override
    void close();

    /** The feed of a single node: nothing to hear. */
    ChangeFeed NONE = new ChangeFeed() {
        @Override
        public void subscribe(Subscriber subscriber) {
        }

        @Override
        public void start() {
        }

        @Override
        public boolean listening() {
            return true;
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "ChangeFeed.NONE";
        }
    };
}
