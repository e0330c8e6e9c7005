package coffre.kms.server.testing;

import coffre.kms.server.approval.Approval;
import coffre.kms.server.approval.Ballot;
import coffre.kms.server.approval.OfficerRecord;
import coffre.kms.server.approval.OfficerSignature;
import coffre.kms.server.approval.SignedCeremony;
import coffre.kms.server.grpc.OfficerSignatures;
import coffre.kms.server.grpc.approvals.ApprovalMessages;
import coffre.kms.server.grpc.officers.OfficerMessages;
import coffre.kms.v1.ApprovalRequest;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.Decision;
import coffre.kms.v1.InitCeremonyRequest;
import coffre.kms.v1.Officer;
import coffre.kms.v1.OfficerPublicKey;
import coffre.kms.v1.Operation;
import coffre.kms.v1.QuorumRule;
import coffre.kms.v1.SignatureAlgorithm;
import coffre.kms.v1.VoteRequest;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Key officers for tests, with real Ed25519 and ECDSA P-256 key pairs generated per run: they sign
 * the init ceremony, votes and act-now statements exactly as the CLI does, through the shared
 * {@link Statements} and {@link OfficerKeys}.
 */
public final class TestOfficers {
    /** One officer: its registration and its private key. */
    public record TestOfficer(Officer officer, KeyPair keys) {
        public String id() {
            return officer.getId();
        }

        public SignatureAlgorithm algorithm() {
            return officer.getPublicKey().getAlgorithm();
        }

        public byte[] sign(byte[] statement) {
            return OfficerKeys.sign(keys.getPrivate(), algorithm(), statement);
        }

        public VoteRequest vote(ApprovalRequest request, Decision decision, Instant at) {
            return vote(request.getId(), request.getDigest().toByteArray(), decision, at);
        }

        /** The same vote, as the approval engine receives it from the gRPC edge. */
        public Ballot ballot(Approval request, Decision decision, Instant at) {
            return ApprovalMessages.ballot(vote(request.id(), request.digest(), decision, at));
        }

        private VoteRequest vote(String requestId, byte[] digest, Decision decision, Instant at) {
            Timestamp time = timestamp(at);
            byte[] statement = Statements.vote(requestId, digest, decision, time);
            return VoteRequest.newBuilder().setRequestId(requestId).setOfficerId(id()).setDecision(decision)
                    .setSignedTime(time).setSignature(ByteString.copyFrom(sign(statement))).build();
        }

        public coffre.kms.v1.OfficerSignature actNow(Operation operation, Instant at) {
            Timestamp time = timestamp(at);
            return coffre.kms.v1.OfficerSignature.newBuilder().setOfficerId(id()).setSignedTime(time)
                    .setSignature(ByteString.copyFrom(sign(Statements.actNow(operation, time)))).build();
        }

        /** The same signature, as the approval engine receives it from the gRPC edge. */
        public OfficerSignature actNowSignature(Operation operation, Instant at) {
            return OfficerSignatures.required(true, actNow(operation, at));
        }

        /** This officer as registered at {@code at}, active. */
        public OfficerRecord record(Instant at) {
            return OfficerRecord.admitted(officer, at);
        }
    }

    private final Map<String, TestOfficer> officers = new LinkedHashMap<>();
    private final QuorumRule rule;

    private TestOfficers(QuorumRule rule) {
        this.rule = rule;
    }

    /**
     * Three officers — alice (Ed25519) and bob (ECDSA P-256) of operator "op-a", carol (Ed25519) of
     * "op-b" — under "2 of 3, at least 1 from each operator".
     */
    public static TestOfficers standard() {
        TestOfficers set = new TestOfficers(QuorumRule.newBuilder().setThreshold(2).setMinPerOperator(1).build());
        set.add("alice", "Alice Martin", "op-a", SignatureAlgorithm.ED25519, "spiffe://coffre.test/officer/alice");
        set.add("bob", "Bob Durand", "op-a", SignatureAlgorithm.ECDSA_P256_SHA256, "spiffe://coffre.test/officer/bob");
        set.add("carol", "Carol Petit", "op-b", SignatureAlgorithm.ED25519, "spiffe://coffre.test/officer/carol");
        return set;
    }

    /**
     * The same Ed25519 key in another DER encoding: an explicit NULL algorithm parameter, which the
     * JDK parses as the same key. What issue 18's attacker registered as a second officer.
     */
    public static OfficerPublicKey withNullAlgorithmParameter(OfficerPublicKey ed25519) {
        byte[] der = ed25519.getSpkiDer().toByteArray();
        byte[] prefix = java.util.HexFormat.of().parseHex("302c300706032b65700500032100");
        byte[] reEncoded = java.util.Arrays.copyOf(prefix, prefix.length + 32);
        System.arraycopy(der, der.length - 32, reEncoded, prefix.length, 32);
        return ed25519.toBuilder().setSpkiDer(ByteString.copyFrom(reEncoded)).build();
    }

    /** A new officer (not registered anywhere yet). */
    public static TestOfficer newOfficer(String id, String operator, SignatureAlgorithm algorithm, String principal) {
        KeyPair keys = generate(algorithm);
        Officer officer = Officer.newBuilder().setId(id).setDisplayName("Officer " + id).setOperator(operator)
                .setPrincipal(principal)
                .setPublicKey(OfficerPublicKey.newBuilder().setAlgorithm(algorithm)
                        .setSpkiDer(ByteString.copyFrom(keys.getPublic().getEncoded())))
                .build();
        return new TestOfficer(officer, keys);
    }

    private void add(String id, String name, String operator, SignatureAlgorithm algorithm, String principal) {
        TestOfficer generated = newOfficer(id, operator, algorithm, principal);
        officers.put(id, new TestOfficer(generated.officer().toBuilder().setDisplayName(name).build(), generated.keys()));
    }

    public TestOfficer get(String id) {
        TestOfficer officer = officers.get(id);
        if (officer == null) {
            throw new IllegalArgumentException("no test officer " + id);
        }
        return officer;
    }

    public List<TestOfficer> all() {
        return List.copyOf(officers.values());
    }

    public QuorumRule rule() {
        return rule;
    }

    /** The init ceremony request: the document and every officer's signature on it. */
    public InitCeremonyRequest ceremony() {
        CeremonyDocument document = CeremonyDocument.newBuilder()
                .addAllOfficers(officers.values().stream().map(TestOfficer::officer).toList())
                .setRule(rule)
                .setNonce(UUID.randomUUID().toString())
                .build();
        byte[] bytes = document.toByteArray();
        InitCeremonyRequest.Builder request = InitCeremonyRequest.newBuilder().setDocument(ByteString.copyFrom(bytes));
        for (TestOfficer officer : officers.values()) {
            request.addSignatures(CeremonySignature.newBuilder().setOfficerId(officer.id())
                    .setSignature(ByteString.copyFrom(officer.sign(Statements.ceremony(bytes)))));
        }
        return request.build();
    }

    /** The init ceremony, as the approval engine receives it from the gRPC edge. */
    public SignedCeremony signedCeremony() {
        return OfficerMessages.ceremony(ceremony());
    }

    public static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    private static KeyPair generate(SignatureAlgorithm algorithm) {
        try {
            if (algorithm == SignatureAlgorithm.ED25519) {
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"));
            return ec.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
