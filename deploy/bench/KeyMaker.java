// Creates Coffre keys for the benchmark through the quorum, fast: one JVM, the officers' key files
// decrypted once (PBKDF2 costs ~0.5 s per decryption: `coffre approvals approve` pays it on every
// vote, which makes thousands of keys take hours), then for each key CreateKey as the administrator
// and two signed APPROVE votes by officers of different operators, with the CLI's own signing code.
//
// Run by deploy/bench/run.sh and soak.sh with the java source launcher on kms-cli's class path, which
// holds kms-client's jar too (kms-cli/target/lib/kms-client-*.jar: the connection is a CoffreClient):
//   java -cp 'kms-cli/target/kms-cli-*.jar:kms-cli/target/lib/*' deploy/bench/KeyMaker.java \
//        HOST:PORT CA CERT KEY OFFICERS_DIR COUNT KEYS_FILE [PRINCIPAL...]
// Appends the new key ids to KEYS_FILE until it holds COUNT ids (so runs can grow one key set).
// Each key's policy lets the dev services (spiffe://coffre.dev/service/*) and the PRINCIPALs given
// (e.g. xks:<key store name>, for deploy/bench/xks.sh) make every data operation. With
// COFFRE_BENCH_KEY_SPEC=SPEC:USAGE in the environment (e.g. RSA_3072:ENCRYPT_DECRYPT, for
// deploy/bench/asym.sh) the keys are asymmetric keys of that spec and usage, and the policy lists
// the asymmetric operations instead (DECRYPT, SIGN, VERIFY, GET_PUBLIC_KEY).
// Bench material only: the officers are the dev officers of deploy/dev/officers.sh.

import coffre.kms.cli.officerkeys.EncryptedKeyFile;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.client.CoffreClient;
import coffre.kms.v1.AccessPolicy;
import coffre.kms.v1.AccessRule;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateKeyRequest;
import coffre.kms.v1.DataOperation;
import coffre.kms.v1.Decision;
import coffre.kms.v1.KeySpec;
import coffre.kms.v1.KeyUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class KeyMaker {
    private static final int THREADS = 4;

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            System.err.println("usage: KeyMaker HOST:PORT CA CERT KEY OFFICERS_DIR COUNT KEYS_FILE [PRINCIPAL...]");
            System.exit(2);
        }
        Path officers = Path.of(args[4]);
        int wanted = Integer.parseInt(args[5]);
        Path keysFile = Path.of(args[6]);
        List<String> existing = Files.exists(keysFile) ? Files.readAllLines(keysFile) : List.of();
        int missing = wanted - (int) existing.stream().filter(l -> !l.isBlank()).count();
        if (missing <= 0) {
            return;
        }
        char[] passphrase = Files.readString(officers.resolve("passphrase")).strip().toCharArray();
        // alice (op-a) and carol (op-b): the dev rule is 2 of 3 with at least 1 per operator.
        OfficerSigner alice = new OfficerSigner("alice",
                EncryptedKeyFile.decrypt(Files.readAllBytes(officers.resolve("alice.key")), passphrase));
        OfficerSigner carol = new OfficerSigner("carol",
                EncryptedKeyFile.decrypt(Files.readAllBytes(officers.resolve("carol.key")), passphrase));
        // 60 s per call: the last vote answers only once the key is made (an HSM key generation).
        CoffreClient coffre = CoffreClient.builder().endpoints(args[0])
                .tls(Path.of(args[1]), Path.of(args[2]), Path.of(args[3])).deadline(Duration.ofSeconds(60)).build();
        String kind = System.getenv("COFFRE_BENCH_KEY_SPEC");
        KeySpec spec = kind == null ? KeySpec.AES_256 : KeySpec.valueOf(kind.split(":")[0]);
        KeyUsage usage = kind == null ? KeyUsage.ENCRYPT_DECRYPT : KeyUsage.valueOf(kind.split(":")[1]);
        List<DataOperation> operations = kind == null
                ? List.of(DataOperation.WRAP, DataOperation.UNWRAP, DataOperation.GENERATE_DATA_KEY, DataOperation.REWRAP)
                : List.of(DataOperation.DECRYPT, DataOperation.SIGN, DataOperation.VERIFY, DataOperation.GET_PUBLIC_KEY);
        AccessPolicy policy = AccessPolicy.newBuilder().addRules(AccessRule.newBuilder()
                .addPrincipals("spiffe://coffre.dev/service/*")
                .addAllPrincipals(List.of(args).subList(7, args.length))
                .addAllOperations(operations)).build();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<String>> made = new ArrayList<>();
        for (int i = 0; i < missing; i++) {
            made.add(pool.submit(() -> {
                ApprovalRequest request = coffre.stubs().keys().createKey(CreateKeyRequest
                        .newBuilder().setDescription("benchmark key").setAccessPolicy(policy).setKeySpec(spec)
                        .setKeyUsage(usage).build())
                        .getApprovalRequest();
                byte[] digest = request.getDigest().toByteArray();
                coffre.stubs().approvals().vote(alice.vote(request.getId(), digest, Decision.APPROVE, Instant.now()));
                ApprovalRequest done = coffre.stubs().approvals()
                        .vote(carol.vote(request.getId(), digest, Decision.APPROVE, Instant.now())).getRequest();
                if (done.getState() != ApprovalState.EXECUTED) {
                    throw new IllegalStateException(request.getId() + " ended " + done.getState() + ": "
                            + done.getFailureReason() + " " + done.getFailureMessage());
                }
                return done.getResult();
            }));
        }
        StringBuilder ids = new StringBuilder();
        for (Future<String> f : made) {
            ids.append(f.get()).append('\n');
        }
        pool.shutdown();
        Files.writeString(keysFile, ids, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        coffre.close();
        System.err.printf("KeyMaker: created %d key(s) through the quorum in %.1f s%n", missing,
                (System.nanoTime() - start) / 1e9);
    }
}
