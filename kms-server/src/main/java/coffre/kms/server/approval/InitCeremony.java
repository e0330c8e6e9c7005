package coffre.kms.server.approval;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.InvalidProtocolBufferException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The init ceremony, which gives a fresh server its first officers and rule, and whether it has
 * happened. Nobody can be trusted to name the first officers alone, so the document naming them
 * must carry the signature of every officer it names, and nothing else; it happens once (the store
 * refuses a second one, on any node).
 */
final class InitCeremony {
    private static final Logger LOG = System.getLogger(InitCeremony.class.getName());

    private final ApprovalStore store;
    private final Clock clock;
    /** Only ever goes from false to true; while false, the store is asked again. */
    private volatile boolean initialized;

    InitCeremony(ApprovalStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.initialized = store.initialization().isPresent();
    }

    /** See {@link ApprovalGate#requireInitialized}: another node may have held the ceremony meanwhile. */
    void requireInitialized() {
        if (!initialized) {
            initialized = store.initialization().isPresent();
            if (!initialized) {
                throw new KmsException(ErrorReason.NOT_INITIALIZED,
                        "this server has no officers yet: run the init ceremony first");
            }
        }
    }

    CeremonyStatus status() {
        return store.initialization()
                .map(i -> CeremonyStatus.initialized(i.rule(),
                        (int) store.officers().stream().filter(OfficerRecord::isActive).count()))
                .orElse(CeremonyStatus.notInitialized());
    }

    /** See {@link Quorum#initCeremony}. */
    OfficerSet run(SignedCeremony ceremony) {
        if (store.initialization().isPresent()) {
            throw new KmsException(ErrorReason.ALREADY_INITIALIZED, "this server already has officers");
        }
        byte[] bytes = ceremony.document();
        CeremonyDocument document;
        try {
            // Canonical only: the document's digest is the ceremony's identity, recorded and shown.
            document = Statements.parseCanonical(bytes, CeremonyDocument.parser());
        } catch (InvalidProtocolBufferException e) {
            throw invalid("the document is not a CeremonyDocument in its canonical encoding "
                    + "(deterministic protobuf, no unknown fields)");
        }
        if (document.getNonce().isBlank()) {
            throw invalid("the document has no nonce");
        }
        Instant now = clock.instant();
        List<OfficerRecord> officers = document.getOfficersList().stream()
                .map(o -> OfficerRecord.admitted(o, now)).toList();
        try {
            OfficerRules.validateSet(officers);
        } catch (KmsException e) {
            throw invalid(e.getMessage());
        }
        QuorumRule rule = QuorumRule.of(document.getRule());
        OfficerRules.requireMeetable(rule, officers);
        requireSignedByEveryOfficer(officers, ceremony.signatures(), Statements.ceremony(bytes));
        String digest = HexFormat.of().formatHex(Statements.sha256(bytes));
        if (!store.initialize(rule, digest, officers, now)) {
            throw new KmsException(ErrorReason.ALREADY_INITIALIZED, "this server already has officers");
        }
        initialized = true;
        LOG.log(Level.INFO, "init ceremony {0}: {1} officer(s), rule {2}", digest, officers.size(), rule.describe());
        return new OfficerSet(officers, rule);
    }

    /** Exactly one valid signature of {@code statement} from each officer, and none from anybody else. */
    private static void requireSignedByEveryOfficer(List<OfficerRecord> officers, List<OfficerSignature> given,
                                                    byte[] statement) {
        Map<String, byte[]> signatures = new LinkedHashMap<>();
        for (OfficerSignature signature : given) {
            if (signatures.put(signature.officerId(), signature.signature()) != null) {
                throw invalid("officer " + signature.officerId() + " signed twice");
            }
        }
        for (OfficerRecord officer : officers) {
            byte[] signature = signatures.remove(officer.id());
            if (signature == null) {
                throw invalid("officer " + officer.id() + " has not signed the document");
            }
            if (!OfficerKeys.verify(officer.publicKey(), statement, signature)) {
                throw new KmsException(ErrorReason.INVALID_SIGNATURE,
                        "the ceremony signature of officer " + officer.id() + " does not verify");
            }
        }
        if (!signatures.isEmpty()) {
            throw invalid("signatures from officers not in the document: " + signatures.keySet());
        }
    }

    private static KmsException invalid(String message) {
        return new KmsException(ErrorReason.INVALID_CEREMONY, "ceremony: " + message);
    }
}
