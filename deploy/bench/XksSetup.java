// Sets up what deploy/bench/xks.sh measures on its bench node, through the quorum, in one JVM (as
// KeyMaker does for keys): an external key store (CreateKeyStore, approved by two officers), whose
// first credential's secret -- shown once, in the CreateKeyStore answer -- is written at once to
// CREDENTIAL_FILE, mode 600, as the AWS KMS console's XKS proxy configuration file (the load tool's
// --xks-secret-file reads that form); then the external key ids bench-0 .. bench-<n-1> mapped to the
// Coffre keys of KEYS_FILE, in order (MapKey, approved), listed in EXTERNAL_IDS_FILE. The keys must
// already let the store's principal (xks:<STORE_NAME>) wrap and unwrap (KeyMaker's PRINCIPAL).
//
// Run with the java source launcher on kms-cli's class path (kms-proto with XksAdminService, and
// kms-client), as KeyMaker:
//   java -cp 'kms-cli/target/kms-cli-*.jar:kms-cli/target/lib/*' deploy/bench/XksSetup.java \
//        HOST:PORT CA CERT KEY OFFICERS_DIR STORE_NAME URI_PATH REGION KEYS_FILE CREDENTIAL_FILE EXTERNAL_IDS_FILE
// The same with the CLI (docs/xks.md), one approval per widening command:
//   coffre xks stores create --name STORE_NAME --uri-path URI_PATH --region REGION --credential-file F
//   coffre approvals approve <request id> ...      (two officers of different operators)
//   coffre xks keys map --store STORE_NAME --external-key-id bench-0 --key KEY_ID   (and approve it)
// Bench material only: the officers are the dev officers of deploy/dev/officers.sh. Written against
// xks.proto as issue 20's server side defines it; it compiles once that is merged.

import coffre.kms.cli.officerkeys.EncryptedKeyFile;
import coffre.kms.cli.officerkeys.OfficerSigner;
import coffre.kms.client.CoffreClient;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.ApprovalState;
import coffre.kms.v1.CreateXksKeyStoreRequest;
import coffre.kms.v1.CreateXksKeyStoreResponse;
import coffre.kms.v1.Decision;
import coffre.kms.v1.MapXksKeyRequest;
import coffre.kms.v1.XksAdminServiceGrpc;
import coffre.kms.v1.XksSecretCredential;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

public class XksSetup {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** The spec's character sets: the console file's values then need no JSON escaping. */
    private static final Pattern CREDENTIAL = Pattern.compile("[A-Za-z0-9+/=]+");
    private static final Pattern URI_PATH = Pattern.compile("[A-Za-z0-9/_-]+");

    public static void main(String[] args) throws Exception {
        if (args.length != 11) {
            System.err.println("usage: XksSetup HOST:PORT CA CERT KEY OFFICERS_DIR STORE_NAME URI_PATH REGION KEYS_FILE "
                    + "CREDENTIAL_FILE EXTERNAL_IDS_FILE");
            System.exit(2);
        }
        Path officers = Path.of(args[4]);
        String storeName = args[5];
        String uriPath = args[6];
        String region = args[7];
        List<String> keyIds = Files.readAllLines(Path.of(args[8])).stream().map(String::strip)
                .filter(l -> !l.isEmpty()).toList();
        Path credentialFile = Path.of(args[9]);
        Path externalIdsFile = Path.of(args[10]);
        if (keyIds.isEmpty()) {
            throw new IllegalArgumentException(args[8] + " lists no key");
        }
        char[] passphrase = Files.readString(officers.resolve("passphrase")).strip().toCharArray();
        // alice (op-a) and carol (op-b): the dev rule is 2 of 3 with at least 1 per operator.
        OfficerSigner alice = new OfficerSigner("alice",
                EncryptedKeyFile.decrypt(Files.readAllBytes(officers.resolve("alice.key")), passphrase));
        OfficerSigner carol = new OfficerSigner("carol",
                EncryptedKeyFile.decrypt(Files.readAllBytes(officers.resolve("carol.key")), passphrase));
        long start = System.nanoTime();
        try (CoffreClient coffre = CoffreClient.builder().endpoints(args[0])
                .tls(Path.of(args[1]), Path.of(args[2]), Path.of(args[3])).deadline(DEADLINE).build()) {
            CreateXksKeyStoreResponse created = xks(coffre).createKeyStore(CreateXksKeyStoreRequest.newBuilder()
                    .setName(storeName).setUriPath(uriPath).setRegion(region).build());
            // Written before the approval: the answer is the only time the secret is ever shown.
            writeCredentialFile(credentialFile, created.getCredential(), uriPath);
            approve(coffre, alice, carol, created.getApprovalRequest());
            StringBuilder externalIds = new StringBuilder();
            for (int i = 0; i < keyIds.size(); i++) {
                String externalId = "bench-" + i;
                approve(coffre, alice, carol, xks(coffre).mapKey(MapXksKeyRequest.newBuilder()
                        .setKeyStoreId(created.getKeyStoreId()).setExternalKeyId(externalId).setKeyId(keyIds.get(i))
                        .build()).getApprovalRequest());
                externalIds.append(externalId).append('\n');
            }
            Files.writeString(externalIdsFile, externalIds, StandardCharsets.UTF_8);
            System.err.printf("XksSetup: key store %s (%s, %s, %s) with %d mapped key(s) in %.1f s%n",
                    created.getKeyStoreId(), storeName, uriPath, region, keyIds.size(),
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private static XksAdminServiceGrpc.XksAdminServiceBlockingStub xks(CoffreClient coffre) {
        return XksAdminServiceGrpc.newBlockingStub(coffre.channel())
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Two officers of different operators approve; the last vote executes the operation. */
    private static void approve(CoffreClient coffre, OfficerSigner first, OfficerSigner second, ApprovalRequest request) {
        byte[] digest = request.getDigest().toByteArray();
        coffre.stubs().approvals().vote(first.vote(request.getId(), digest, Decision.APPROVE, Instant.now()));
        ApprovalRequest done = coffre.stubs().approvals()
                .vote(second.vote(request.getId(), digest, Decision.APPROVE, Instant.now())).getRequest();
        if (done.getState() != ApprovalState.EXECUTED) {
            throw new IllegalStateException(request.getId() + " (" + request.getSummary() + ") ended " + done.getState()
                    + ": " + done.getFailureReason() + " " + done.getFailureMessage());
        }
    }

    /** The console's configuration file, readable by its owner only from its creation on. */
    private static void writeCredentialFile(Path file, XksSecretCredential credential, String requestedUriPath)
            throws Exception {
        String uriPath = credential.getUriPath().isEmpty() ? requestedUriPath : credential.getUriPath();
        if (!CREDENTIAL.matcher(credential.getAccessKeyId()).matches()
                || !CREDENTIAL.matcher(credential.getRawSecretAccessKey()).matches()
                || !URI_PATH.matcher(uriPath).matches()) {
            // Never the values themselves: one is the secret.
            throw new IllegalStateException("the CreateKeyStore answer has a credential of an unexpected form");
        }
        String json = "{\"XksProxyUriPath\":\"" + uriPath + "\",\"XksProxyAuthenticationCredential\":"
                + "{\"AccessKeyId\":\"" + credential.getAccessKeyId() + "\",\"RawSecretAccessKey\":\""
                + credential.getRawSecretAccessKey() + "\"}}\n";
        Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                json.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.TRUNCATE_EXISTING);
    }
}
