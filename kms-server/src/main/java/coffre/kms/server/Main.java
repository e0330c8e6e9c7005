package coffre.kms.server;

import coffre.hsm.Hsm;
import coffre.kms.server.config.ConfigException;
import coffre.kms.server.config.ConfigLoader;
import coffre.kms.server.config.ServerConfig;
import coffre.kms.server.store.Storage;
import coffre.kms.server.store.StoreFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one Coffre node: {@code coffre-server --config FILE}. Exits with status 2 and a message
 * naming the setting when the configuration is bad, 1 when a dependency (HSM, store, port) fails.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path configFile = parseArgs(args);
        ServerConfig config;
        try {
            config = new ConfigLoader(System.getenv()).load(configFile);
        } catch (ConfigException e) {
            System.err.println("coffre-server: configuration error: " + e.getMessage());
            System.exit(2);
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
            System.err.println("coffre-server: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("coffre-server: cannot start: " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "coffre-shutdown"));
        System.out.println("coffre-server: listening on " + config.server().host() + ":" + server.port());
        stopped.await();
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
        System.err.println("usage: coffre-server --config FILE");
        System.exit(2);
        return null;
    }
}
