package coffre.kms.server.cluster;

import coffre.kms.server.access.GrantRegistry;
import coffre.kms.server.approval.ApprovalWatchers;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keystores.DkeKeyMappings;
import coffre.kms.server.keystores.KeyStoreRegistry;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * Keeps this node's in-memory views in step with changes that any node of the cluster commits:
 * each announced key, grant, external key store or DKE key name is re-read from the store into the registry that
 * the hot path reads, and each approval request changed elsewhere is shown to this node's
 * watchers. Officers and the quorum rule need nothing here: the approval engine reads them from
 * the store on every use.
 */
public final class ClusterSync implements ChangeFeed.Subscriber {
    private static final Logger LOG = System.getLogger(ClusterSync.class.getName());

    private final KeyRefresher keys;
    private final GrantRegistry grants;
    private final ApprovalWatchers approvals;
    /** Null on a node built without external key stores (some tests): their announcements are ignored. */
    private final KeyStoreRegistry keyStores;
    /** Null on a node built without DKE key names (some tests): their announcements are ignored. */
    private final DkeKeyMappings dkeKeys;

    public ClusterSync(KeyRefresher keys, GrantRegistry grants, ApprovalWatchers approvals, KeyStoreRegistry keyStores) {
        this(keys, grants, approvals, keyStores, null);
    }

    public ClusterSync(KeyRefresher keys, GrantRegistry grants, ApprovalWatchers approvals, KeyStoreRegistry keyStores,
                       DkeKeyMappings dkeKeys) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.grants = Objects.requireNonNull(grants, "grants");
        this.approvals = Objects.requireNonNull(approvals, "approvals");
        this.keyStores = keyStores;
        this.dkeKeys = dkeKeys;
    }

    /**
     * Subscribes to {@code feed} and starts it; in a cluster, also lets key lookups that miss catch
     * up from the store (see {@link KeyRefresher#followMisses()}).
     */
    public static void start(ChangeFeed feed, KeyRefresher keys, GrantRegistry grants, ApprovalWatchers approvals,
                             KeyStoreRegistry keyStores) {
        start(feed, keys, grants, approvals, keyStores, null);
    }

    /** As the five-argument start, DKE key names kept in step too. */
    public static void start(ChangeFeed feed, KeyRefresher keys, GrantRegistry grants, ApprovalWatchers approvals,
                             KeyStoreRegistry keyStores, DkeKeyMappings dkeKeys) {
        if (feed != ChangeFeed.NONE) {
            keys.followMisses();
        }
        feed.subscribe(new ClusterSync(keys, grants, approvals, keyStores, dkeKeys));
        feed.start();
    }

    /** As {@link #start(ChangeFeed, KeyRefresher, GrantRegistry, ApprovalWatchers, KeyStoreRegistry)}, without key stores. */
    public static void start(ChangeFeed feed, KeyRefresher keys, GrantRegistry grants, ApprovalWatchers approvals) {
        start(feed, keys, grants, approvals, null);
    }

    @Override
    public void changed(ChangeFeed.Topic topic, String id, boolean local) {
        switch (topic) {
            // Local changes too: harmless (same revision), and they repair this node's view after a
            // commit whose acknowledgement was lost with the connection.
            case KEY -> keys.refresh(new KeyId(id));
            case GRANT -> grants.refresh(id);
            case APPROVAL -> {
                if (!local) {
                    approvals.changedElsewhere(id);
                }
            }
            case XKS -> {
                if (keyStores != null) {
                    keyStores.refresh(id);
                }
            }
            case DKE -> {
                if (dkeKeys != null) {
                    dkeKeys.refresh(id);
                }
            }
        }
    }

    @Override
    public void resync() {
        int changedKeys = keys.refreshAll();
        int changedGrants = grants.refreshAll();
        int changedStores = keyStores == null ? 0 : keyStores.refreshAll();
        int changedNames = dkeKeys == null ? 0 : dkeKeys.refreshAll();
        if (changedNames > 0) {
            LOG.log(Level.INFO, "full refresh caught up {0} DKE key name(s)", changedNames);
        }
        if (changedKeys + changedGrants + changedStores > 0) {
            LOG.log(Level.INFO, "full refresh caught up {0} key(s), {1} grant(s) and {2} external key store(s)",
                    changedKeys, changedGrants, changedStores);
        }
    }
}
