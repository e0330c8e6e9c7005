package coffre.kms.server.cluster;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The {@link ChangeFeed} of a cluster on PostgreSQL: writers {@code NOTIFY} in their own
 * transaction (PostgreSQL delivers a notification only when, and only if, that transaction
 * commits); each node {@code LISTEN}s on one dedicated connection, outside the request pool so that
 * a busy pool never delays a revocation.
 *
 * <p>Why the safety nets: a notification sent while a node's listening connection is broken is
 * lost for that node. So the node reconnects (backing off up to {@link #MAX_BACKOFF}) and, once
 * listening again, tells subscribers to resync everything; it also resyncs every
 * {@code refreshInterval} whatever happens, and retries a failed reload after {@link #RETRY_DELAY}.
 * While it is not listening, it reloads everything every {@link #DEGRADED_RELOAD}, so that a
 * revocation made on another node still applies here within about a second as long as the
 * database answers queries at all.
 * An idle listening connection is probed every {@link #PROBE_INTERVAL}, so a silently dead link is
 * noticed within seconds rather than at the next TCP timeout.
 *
 * <p>Threads: one listens, one applies. Subscribers run on the applying thread only, one
 * announcement at a time, in the order received; a slow reload never blocks the listener.
 */
public final class PostgresChangeFeed implements ChangeFeed, ChangePublisher {
    /** Opens a new connection to the database (the password is read anew each time). */
    @FunctionalInterface
    public interface Connector {
        Connection open() throws SQLException;
    }

    private static final Logger LOG = System.getLogger(PostgresChangeFeed.class.getName());
    static final Duration POLL = Duration.ofMillis(250);
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    static final Duration DEGRADED_RELOAD = Duration.ofSeconds(1);
    private static final char SEPARATOR = '|';
    /**
     * Between the announcing instance and its wall-clock time (epoch microseconds) in the last field
     * of a payload. Older nodes compare the whole field to their own instance: a field with a time is
     * never theirs, so they still tell local from remote changes correctly.
     */
    private static final char TIME_SEPARATOR = '@';

    private final Connector connector;
    private final String channel;
    private final Duration refreshInterval;
    /** Tells this process's own announcements from other nodes'. */
    private final String instance;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService applier;
    private final AtomicBoolean resyncQueued = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean listening;
    private volatile Connection current;
    private volatile java.util.function.Consumer<Duration> propagation = lag -> { };
    private Thread listener;

    /**
     * @param schema the schema Coffre's tables live in (null: the default), so that several
     *               deployments sharing one database do not hear each other
     */
    public PostgresChangeFeed(Connector connector, String schema, Duration refreshInterval) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.channel = channelFor(schema);
        this.refreshInterval = Objects.requireNonNull(refreshInterval, "refreshInterval");
        byte[] id = new byte[8];
        new SecureRandom().nextBytes(id);
        this.instance = HexFormat.of().formatHex(id);
        this.applier = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffre-changes-apply");
            t.setDaemon(true);
            return t;
        });
    }

    /** A channel name is an identifier: at most 63 bytes, and the schema is already [a-z0-9_]. */
    static String channelFor(String schema) {
        String name = schema == null ? "coffre_changes" : "coffre_changes_" + schema;
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    String channel() {
        return channel;
    }

    @Override
    public void publish(Connection connection, Topic topic, String id) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            st.setString(1, channel);
            // The writer's time just before its commit: the receivers measure propagation from it.
            st.setString(2, topic.name() + SEPARATOR + id + SEPARATOR + instance + TIME_SEPARATOR
                    + epochMicros(java.time.Instant.now()));
            st.execute();
        }
    }

    private static long epochMicros(java.time.Instant time) {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000);
    }

    @Override
    public void watchPropagation(java.util.function.Consumer<Duration> listener) {
        this.propagation = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void subscribe(Subscriber subscriber) {
        subscribers.add(Objects.requireNonNull(subscriber, "subscriber"));
    }

    @Override
    public void start() {
        if (closed || !started.compareAndSet(false, true)) {
            return;
        }
        listener = new Thread(this::listen, "coffre-changes-listen");
        listener.setDaemon(true);
        listener.start();
        long every = refreshInterval.toMillis();
        applier.scheduleWithFixedDelay(this::requestResync, every, every, TimeUnit.MILLISECONDS);
        long degraded = DEGRADED_RELOAD.toMillis();
        applier.scheduleWithFixedDelay(() -> {
            if (!listening && !closed) {
                requestResync();
            }
        }, degraded, degraded, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean listening() {
        return listening;
    }

    @Override
    public void close() {
        closed = true;
        Thread t = listener;
        if (t != null) {
            t.interrupt();
            Connection c = current;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing anyway
                }
            }
            try {
                t.join(POLL.toMillis() * 8);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        applier.shutdownNow();
        try {
            applier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the listening thread -------------------------------------------------------------------

    private void listen() {
        long backoff = MIN_BACKOFF.toMillis();
        boolean wasDown = false;
        while (!closed) {
            try (Connection connection = connector.open()) {
                current = connection;
                try (Statement st = connection.createStatement()) {
                    st.execute("LISTEN " + channel);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                listening = true;
                backoff = MIN_BACKOFF.toMillis();
                if (wasDown) {
                    LOG.log(Level.INFO, "listening for cluster changes again on channel {0}", channel);
                }
                // Whatever changed while not listening (or before the first LISTEN) is caught up here.
                requestResync();
                receive(connection, pg);
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                if (!wasDown || listening) {
                    LOG.log(Level.WARNING, "not listening for cluster changes (SQLState {0}: {1}); reconnecting",
                            e instanceof SQLException sql ? sql.getSQLState() : "-", e.getClass().getSimpleName());
                }
                wasDown = true;
            } finally {
                listening = false;
                current = null;
            }
            if (!closed) {
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    /** Returns only by throwing (the connection broke) or when closed. */
    private void receive(Connection connection, PGConnection pg) throws SQLException {
        long lastHeard = System.nanoTime();
        while (!closed) {
            PGNotification[] notifications = pg.getNotifications((int) POLL.toMillis());
            if (notifications != null && notifications.length > 0) {
                lastHeard = System.nanoTime();
                for (PGNotification notification : notifications) {
                    dispatch(notification.getParameter());
                }
            } else if (System.nanoTime() - lastHeard > PROBE_INTERVAL.toNanos()) {
                try (Statement st = connection.createStatement()) {
                    st.execute("SELECT 1");
                }
                lastHeard = System.nanoTime();
            }
        }
    }

    private void dispatch(String payload) {
        int first = payload.indexOf(SEPARATOR);
        int last = payload.lastIndexOf(SEPARATOR);
        Topic topic;
        try {
            topic = first > 0 && last > first ? Topic.valueOf(payload.substring(0, first)) : null;
        } catch (IllegalArgumentException e) {
            topic = null;
        }
        if (topic == null) {
            // From a newer node with a topic this one does not know: a full reload covers it.
            LOG.log(Level.DEBUG, "unknown change announcement; resyncing");
            requestResync();
            return;
        }
        Topic kind = topic;
        String id = payload.substring(first + 1, last);
        String origin = payload.substring(last + 1);
        int at = origin.indexOf(TIME_SEPARATOR);
        boolean local = (at < 0 ? origin : origin.substring(0, at)).equals(instance);
        long announcedMicros = at < 0 ? -1 : parseMicros(origin.substring(at + 1));
        submit(() -> {
            for (Subscriber subscriber : subscribers) {
                try {
                    subscriber.changed(kind, id, local);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "could not apply the change of {0} {1} ({2}); will resync", kind, id,
                            e.toString());
                    retryResyncLater();
                }
            }
            if (announcedMicros >= 0) {
                long lag = epochMicros(java.time.Instant.now()) - announcedMicros;
                propagation.accept(Duration.of(Math.max(0, lag), java.time.temporal.ChronoUnit.MICROS));
            }
        });
    }

    /** The announced time, or -1 when it is not a number this node can read. */
    private static long parseMicros(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- the applying thread --------------------------------------------------------------------

    /** Queues one full reload, unless one is already waiting to run. */
    void requestResync() {
        if (resyncQueued.compareAndSet(false, true)) {
            submit(this::resync);
        }
    }

    private void resync() {
        resyncQueued.set(false);
        for (Subscriber subscriber : subscribers) {
            try {
                subscriber.resync();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "could not reload from the store ({0}); will retry", e.toString());
                retryResyncLater();
                return;
            }
        }
    }

    private void retryResyncLater() {
        if (closed) {
            return;
        }
        try {
            applier.schedule(this::requestResync, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void submit(Runnable task) {
        if (closed) {
            return;
        }
        try {
            applier.execute(task);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public String toString() {
        return "PostgresChangeFeed[" + channel + (listening ? ", listening" : ", not listening") + "]";
    }
}
