package coffre.hsm.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run in a child JVM by fault tests: takes an exclusive POSIX lock on every file of a SoftHSM token
 * directory, prints {@code locked}, holds the locks for the given milliseconds, then exits.
 *
 * <p>Why another process: SoftHSM 2 locks its token files with {@code fcntl} before each access to a
 * token object, and POSIX locks are per process, so only another process can make it wait. While
 * the locks are held, every PKCS#11 call that touches the token blocks inside the library: a real,
 * reversible HSM stall.
 */
public final class HoldTokenLocks {
    private HoldTokenLocks() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Path.of(args[0]);
        long millis = Long.parseLong(args[1]);
        List<FileChannel> held = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                ch.lock();
                held.add(ch);
            }
        }
        System.out.println("locked " + held.size());
        System.out.flush();
        Thread.sleep(millis);
        for (FileChannel ch : held) {
            ch.close();
        }
    }
}
