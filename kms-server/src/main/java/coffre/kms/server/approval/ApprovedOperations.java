package coffre.kms.server.approval;

import coffre.kms.server.access.GrantTerms;
import coffre.kms.server.keys.Alias;
import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.keys.KeyAttributes;
import coffre.kms.server.keys.KeyId;
import coffre.kms.server.keys.KeyLifecycle;
import coffre.kms.server.keys.KeyReference;
import coffre.kms.server.keystores.DkeKeyMapping;
import coffre.kms.server.keystores.DkeKeyMappings;
import coffre.kms.server.keystores.ExternalKeyMapping;
import coffre.kms.server.keystores.ExternalKeyStores;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.Operation;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * Runs an operation once officers have approved it. Every precondition is checked again here,
 * against the state at execution time (a key may have been destroyed, an alias taken,
 * meanwhile): a failure is a {@link KmsException} that the approval records as FAILED.
 *
 * @see coffre.kms.server.approval.ApprovalGate
 */
public final class ApprovedOperations {
    /**
     * What officer and rule changes need; implemented by the quorum's approval engine. Each checks
     * the change again against the officers as they are now.
     */
    public interface OfficerChanges {
        /** Registers {@code officer} as it is given (active, since its create time). */
        void addOfficer(OfficerRecord officer);

        void removeOfficer(String officerId);

        void reinstateOfficer(String officerId);

        void setRule(QuorumRule rule);
    }

    private final KeyLifecycle lifecycle;
    private final Function<GrantTerms, String> createGrant;
    private final BreakGlassAllowances breakGlass;
    private final Duration breakGlassWindow;
    private final Clock clock;
    private OfficerChanges officers;
    private ExternalKeyStores keyStores;
    private DkeKeyMappings dkeKeys;
    private AuditPrunes auditPrunes = (node, through, digest) -> {
        throw new KmsException(ErrorReason.INTERNAL_ERROR, "this node cannot prune its audit log");
    };

    /** Audit retention, as {@link coffre.kms.server.audit.AuditRetention#prune} does it. */
    @FunctionalInterface
    public interface AuditPrunes {
        String prune(String node, long throughSequence, byte[] archiveSha256);
    }

    public ApprovedOperations(KeyLifecycle lifecycle, Function<GrantTerms, String> createGrant,
                              BreakGlassAllowances breakGlass, Duration breakGlassWindow, Clock clock) {
        this.lifecycle = lifecycle;
        this.createGrant = createGrant;
        this.breakGlass = breakGlass;
        this.breakGlassWindow = breakGlassWindow;
        this.clock = clock;
    }

    /** The officer changes come from the approval engine, which is built with this executor. */
    public void officerChanges(OfficerChanges changes) {
        this.officers = changes;
    }

    /** Approved operations on external key stores go to {@code stores}. */
    public void keyStores(ExternalKeyStores stores) {
        this.keyStores = stores;
    }

    private ExternalKeyStores keyStores() {
        if (keyStores == null) {
            throw new KmsException(ErrorReason.INTERNAL_ERROR, "this node serves no external key stores");
        }
        return keyStores;
    }

    /** Approved DKE key name mappings go to {@code names}. */
    public void dkeKeys(DkeKeyMappings names) {
        this.dkeKeys = names;
    }

    /** Approved audit prunes go to {@code prunes} (built from the node's audit log and store). */
    public void auditPrunes(AuditPrunes prunes) {
        this.auditPrunes = prunes;
    }

    /**
     * Executes an approved operation.
     *
     * @return what it produced, recorded as the request's result (e.g. a new key or grant id)
     */
    public String execute(Operation op) {
        return switch (op.getKindCase()) {
            case CREATE_KEY -> {
                var create = op.getCreateKey();
                Alias alias = create.getAlias().isEmpty() ? null : new Alias(create.getAlias());
                yield lifecycle.create(new KeyAttributes(alias, create.getDescription(), create.getLabelsMap(),
                        SignedDocumentCodec.accessPolicy(create.getAccessPolicy()),
                        create.getApprovalPolicy().getRequireUnwrapApproval(),
                        SignedDocumentCodec.keySpec(create.getKeySpec(), create.getKeySpecValue()),
                        SignedDocumentCodec.keyUsage(create.getKeyUsage(), create.getKeyUsageValue()))).id().value();
            }
            case ENABLE_KEY -> lifecycle.enable(key(op.getEnableKey().getKeyId())).id().value();
            case ROTATE_KEY -> {
                var rotated = lifecycle.rotate(key(op.getRotateKey().getKeyId()));
                yield rotated.id().value() + " v" + rotated.primaryVersion();
            }
            case SET_ACCESS_POLICY -> lifecycle.setAccessPolicy(key(op.getSetAccessPolicy().getKeyId()),
                    SignedDocumentCodec.accessPolicy(op.getSetAccessPolicy().getAccessPolicy())).id().value();
            case SET_APPROVAL_POLICY -> lifecycle.setUnwrapApproval(key(op.getSetApprovalPolicy().getKeyId()),
                    op.getSetApprovalPolicy().getApprovalPolicy().getRequireUnwrapApproval()).id().value();
            case CREATE_GRANT -> createGrant.apply(SignedDocumentCodec.grantTerms(op.getCreateGrant().getGrant()));
            case SCHEDULE_KEY_DELETION -> lifecycle.scheduleDeletion(key(op.getScheduleKeyDeletion().getKeyId()),
                    op.getScheduleKeyDeletion().getPendingWindowDays()).id().value();
            case CANCEL_KEY_DELETION -> lifecycle.cancelDeletion(key(op.getCancelKeyDeletion().getKeyId())).id().value();
            case ADD_OFFICER -> {
                officers.addOfficer(OfficerRecord.admitted(op.getAddOfficer().getOfficer(), clock.instant()));
                yield op.getAddOfficer().getOfficer().getId();
            }
            case REMOVE_OFFICER -> {
                officers.removeOfficer(op.getRemoveOfficer().getOfficerId());
                yield op.getRemoveOfficer().getOfficerId();
            }
            case REINSTATE_OFFICER -> {
                officers.reinstateOfficer(op.getReinstateOfficer().getOfficerId());
                yield op.getReinstateOfficer().getOfficerId();
            }
            case SET_QUORUM_RULE -> {
                QuorumRule rule = QuorumRule.of(op.getSetQuorumRule());
                officers.setRule(rule);
                yield rule.describe();
            }
            case UNWRAP_ONCE -> {
                var until = clock.instant().plus(breakGlassWindow);
                breakGlass.allow(op, until);
                yield "unwrap allowed once until " + until;
            }
            case DECRYPT_ONCE -> {
                var until = clock.instant().plus(breakGlassWindow);
                breakGlass.allow(op, until);
                yield "decrypt allowed once until " + until;
            }
            case PRUNE_AUDIT -> auditPrunes.prune(op.getPruneAudit().getNode(), op.getPruneAudit().getThroughSequence(),
                    op.getPruneAudit().getArchiveSha256().toByteArray());
            case CREATE_XKS_KEY_STORE -> {
                var create = op.getCreateXksKeyStore();
                yield keyStores().create(create.getKeyStoreId(), create.getName(), create.getUriPath(),
                        create.getRegion(), create.getAccessKeyId()).id();
            }
            case ACTIVATE_XKS_CREDENTIAL -> keyStores().activate(op.getActivateXksCredential().getKeyStoreId(),
                    op.getActivateXksCredential().getAccessKeyId()).accessKeyId();
            case ENABLE_XKS_KEY_STORE -> keyStores().enable(op.getEnableXksKeyStore().getKeyStoreId()).id();
            case MAP_XKS_KEY -> {
                var map = op.getMapXksKey();
                ExternalKeyMapping mapping = keyStores().map(map.getKeyStoreId(), map.getExternalKeyId(),
                        new KeyId(map.getKeyId()));
                yield mapping.keyStoreId() + " " + mapping.externalKeyId() + " -> " + mapping.keyId();
            }
            case MAP_DKE_KEY -> {
                if (dkeKeys == null) {
                    throw new KmsException(ErrorReason.INTERNAL_ERROR, "this node serves no DKE key names");
                }
                DkeKeyMapping mapping = dkeKeys.map(op.getMapDkeKey().getKeyName(), new KeyId(op.getMapDkeKey().getKeyId()));
                yield "DKE " + mapping.keyName() + " -> " + mapping.keyId();
            }
            case DISABLE_KEY, REVOKE_GRANT, SUSPEND_OFFICER, DISABLE_XKS_KEY_STORE, REVOKE_XKS_CREDENTIAL, UNMAP_XKS_KEY,
                 UNMAP_DKE_KEY, KIND_NOT_SET -> throw new KmsException(
                    ErrorReason.INTERNAL_ERROR, "operation " + op.getKindCase() + " does not go through approval");
        };
    }

    private static KeyReference key(String id) {
        return new KeyReference.ById(new KeyId(id));
    }
}
