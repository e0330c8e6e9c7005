package coffre.kms.server;

import coffre.hsm.Hsm;
import coffre.kms.server.approval.ApprovalStore;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.config.ConfigException;
import coffre.kms.server.config.ConfigLoader;
import coffre.kms.server.config.LoggingSettings;
import coffre.kms.server.config.ServerConfig;
import coffre.kms.server.logging.LogSetup;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import coffre.kms.v1.signing.OfficerKeys;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one Coffre node: {@code coffre-server --config FILE}. Exits with status 2 and a message
 * naming the setting when the configuration is bad, 1 when a dependency (HSM, store, port) fails.
 *
 * <p>{@code coffre-server --config FILE --remove-officer ID} marks one officer removed in the store
 * and exits, without the HSM or a listener: the way out for a store that holds two officers with one
 * key, which no node will serve (docs/approvals.md). It only narrows access.
 *
 * <p>The {@code logging:} settings are applied first (docs/logging.md), so that a node told to log
 * JSON lines writes nothing else.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        String removeOfficer = null;
        if (args.length == 4 && args[2].equals("--remove-officer")) {
            removeOfficer = args[3];
            args = new String[] {args[0], args[1]};
        }
        Path configFile = parseArgs(args);
        ServerConfig config;
        try {
            config = new ConfigLoader(System.getenv()).load(configFile);
        } catch (ConfigException e) {
            System.err.println("coffre-server: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Before anything logs: a JSON log holds JSON lines only.
        LogSetup.apply(config.logging());
        if (removeOfficer != null) {
            System.exit(removeOfficer(config, removeOfficer));
            return;
        }
        CoffreServer server;
        try {
            Hsm hsm = HsmFactory.open(config.hsm());
            Storage storage;
            try {
                storage = StoreFactory.open(config.store());
            } catch (RuntimeException e) {
                hsm.close();
                throw e;
            }
            server = CoffreServer.start(config, hsm, storage, Clock.systemUTC());
        } catch (ConfigException e) {
            say(config, System.Logger.Level.ERROR, "coffre-server: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            say(config, System.Logger.Level.ERROR, "coffre-server: cannot start: " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "coffre-shutdown"));
        say(config, System.Logger.Level.INFO, "coffre-server: listening on " + config.server().host() + ":"
                + server.port());
        stopped.await();
    }

    /**
     * A line for the operator once the configuration is read: printed as ever (errors on stderr,
     * the rest on stdout), or a log event when the node logs JSON lines, where a plain line would
     * be the one line a log shipper cannot parse.
     */
    private static void say(ServerConfig config, System.Logger.Level level, String line) {
        if (config.logging().format() == LoggingSettings.Format.JSON) {
            System.getLogger(Main.class.getName()).log(level, line);
        } else if (level == System.Logger.Level.ERROR) {
            System.err.println(line);
        } else {
            System.out.println(line);
        }
    }

    private static int removeOfficer(ServerConfig config, String officerId) {
        try (Storage storage = StoreFactory.open(config.store())) {
            return removeOfficer(storage.approvals(), officerId, System.out, System.err);
        } catch (RuntimeException e) {
            System.err.println("coffre-server: cannot remove officer " + officerId + ": " + e);
            return 1;
        }
    }

    /** Marks the officer removed; returns the exit status (2: no such officer). */
    static int removeOfficer(ApprovalStore store, String officerId, PrintStream out, PrintStream err) {
        Optional<OfficerRecord> officer = store.officers().stream().filter(o -> o.id().equals(officerId)).findFirst();
        if (officer.isEmpty()) {
            err.println("coffre-server: no officer " + officerId);
            return 2;
        }
        store.saveOfficer(officer.get().withStatus(OfficerRecord.Status.REMOVED));
        out.println("coffre-server: officer " + officerId + " (fingerprint "
                + OfficerKeys.fingerprint(officer.get().publicKey()) + ") is removed");
        return 0;
    }

    private static Path parseArgs(String[] args) {
        if (args.length == 2 && args[0].equals("--config")) {
            Path file = Path.of(args[1]);
            if (!Files.isRegularFile(file)) {
                System.err.println("coffre-server: configuration file not found: " + file);
                System.exit(2);
            }
            return file;
        }
        System.err.println("usage: coffre-server --config FILE [--remove-officer ID]");
        System.exit(2);
        return null;
    }
}
