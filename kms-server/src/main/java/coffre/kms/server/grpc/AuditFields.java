package coffre.kms.server.grpc;

import coffre.kms.server.audit.ChainHash;
import coffre.kms.server.crypto.EncryptionContext;
import coffre.kms.server.crypto.Envelope;
import coffre.kms.server.domain.KmsException;
import coffre.kms.v1.Officer;
import coffre.kms.v1.XksSecretCredential;
import coffre.kms.v1.signing.OfficerKeys;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an audit event says a call was about, read from one RPC's request and (when it succeeded)
 * response by field name, so every service is covered the same way: the key ({@code key_id},
 * {@code target_key_id}, else the envelope's header; the response's {@code key_id} and
 * {@code key_version} when present), the approval request, grant or officer concerned, a vote's
 * decision, the external key store concerned (its id, name, URI path and region, a credential's
 * access key id, an external key id), an asymmetric call's algorithm and a verification's answer
 * ({@code valid=}), and a SHA-256 of the canonical encryption context. Field lookups are resolved
 * once per method, when it is bound. A failed call names the key version it asked for, if any.
 *
 * <p>It reads ids and names only: never a plaintext, an envelope's or RSA ciphertext, a message,
 * digest or signature, a context value or the secret of a new XKS credential (of that answer it
 * reads the access key id alone).
 */
final class AuditFields {
    /** The subject of one call. */
    record Subject(String keyId, int keyVersion, String target, String detail, String contextSha256) {
    }

    /** Each request class's generated {@code getEncryptionContextMap()}, or null if it has none. */
    private static final ClassValue<MethodHandle> MAP_GETTERS = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            try {
                return MethodHandles.publicLookup().findVirtual(type, "getEncryptionContextMap",
                        MethodType.methodType(Map.class));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                return null;
            }
        }
    };

    private final FieldDescriptor keyId;
    private final FieldDescriptor targetKeyId;
    private final FieldDescriptor envelope;
    private final FieldDescriptor context;
    private final FieldDescriptor approvalId;
    private final FieldDescriptor grantId;
    private final FieldDescriptor officerId;
    private final FieldDescriptor officer;
    private final FieldDescriptor signature;
    private final FieldDescriptor decision;
    private final FieldDescriptor responseKeyId;
    private final FieldDescriptor responseKeyVersion;
    private final FieldDescriptor responseSourceKeyId;
    private final FieldDescriptor responseSourceKeyVersion;
    private final FieldDescriptor responseApproval;
    /** XKS administration: request fields named in the detail, in this order, when set. */
    private final List<FieldDescriptor> xksRequestFields;
    private final FieldDescriptor responseKeyStoreId;
    private final FieldDescriptor responseCredential;
    private final FieldDescriptor requestKeyVersion;
    private final FieldDescriptor requestAlgorithm;
    private final FieldDescriptor responseAlgorithm;
    private final FieldDescriptor responseValid;

    private AuditFields(Descriptor request, Descriptor response) {
        keyId = field(request, "key_id", FieldDescriptor.JavaType.STRING);
        targetKeyId = field(request, "target_key_id", FieldDescriptor.JavaType.STRING);
        envelope = field(request, "envelope", FieldDescriptor.JavaType.BYTE_STRING);
        FieldDescriptor map = request.findFieldByName("encryption_context");
        context = map != null && map.isMapField() ? map : null;
        approvalId = field(request, "request_id", FieldDescriptor.JavaType.STRING);
        grantId = field(request, "grant_id", FieldDescriptor.JavaType.STRING);
        officerId = field(request, "officer_id", FieldDescriptor.JavaType.STRING);
        FieldDescriptor registered = field(request, "officer", FieldDescriptor.JavaType.MESSAGE);
        officer = registered != null && registered.getMessageType().equals(Officer.getDescriptor()) ? registered : null;
        signature = field(request, "signature", FieldDescriptor.JavaType.MESSAGE);
        decision = field(request, "decision", FieldDescriptor.JavaType.ENUM);
        responseKeyId = field(response, "key_id", FieldDescriptor.JavaType.STRING);
        responseKeyVersion = field(response, "key_version", FieldDescriptor.JavaType.INT);
        responseSourceKeyId = field(response, "source_key_id", FieldDescriptor.JavaType.STRING);
        responseSourceKeyVersion = field(response, "source_key_version", FieldDescriptor.JavaType.INT);
        FieldDescriptor approval = field(response, "approval_request", FieldDescriptor.JavaType.MESSAGE);
        responseApproval = approval != null ? approval : field(response, "request", FieldDescriptor.JavaType.MESSAGE);
        xksRequestFields = java.util.stream.Stream.of("key_store_id", "name", "uri_path", "region", "access_key_id",
                        "external_key_id")
                .map(name -> field(request, name, FieldDescriptor.JavaType.STRING))
                .filter(java.util.Objects::nonNull).toList();
        responseKeyStoreId = field(response, "key_store_id", FieldDescriptor.JavaType.STRING);
        FieldDescriptor credential = field(response, "credential", FieldDescriptor.JavaType.MESSAGE);
        responseCredential = credential != null
                && credential.getMessageType().equals(XksSecretCredential.getDescriptor()) ? credential : null;
        requestKeyVersion = field(request, "key_version", FieldDescriptor.JavaType.INT);
        requestAlgorithm = field(request, "algorithm", FieldDescriptor.JavaType.ENUM);
        responseAlgorithm = field(response, "algorithm", FieldDescriptor.JavaType.ENUM);
        responseValid = field(response, "valid", FieldDescriptor.JavaType.BOOLEAN);
    }

    static AuditFields of(Descriptor request, Descriptor response) {
        return new AuditFields(request, response);
    }

    /** The subject of a call with {@code request} that answered {@code response} (null when it failed). */
    Subject extract(Message request, Message response) {
        String key = text(request, keyId);
        if (key.isEmpty()) {
            key = text(request, targetKeyId);
        }
        int version = 0;
        if (response != null && responseKeyId != null) {
            key = text(response, responseKeyId);
            version = responseKeyVersion == null ? 0 : (Integer) response.getField(responseKeyVersion);
        } else if (requestKeyVersion != null) {
            version = (Integer) request.getField(requestKeyVersion);
        } else if (key.isEmpty() && envelope != null) {
            try {
                Envelope header = Envelope.decode(((ByteString) request.getField(envelope)).toByteArray());
                key = header.keyId().value();
                version = header.keyVersion();
            } catch (KmsException notAnEnvelope) {
                // The event then names no key: the request named none that could be read.
            }
        }
        return new Subject(key, version, target(request, response), detail(request, response), contextDigest(request));
    }

    private String target(Message request, Message response) {
        String approval = text(request, approvalId);
        if (!approval.isEmpty()) {
            return approval;
        }
        String grant = text(request, grantId);
        if (!grant.isEmpty()) {
            return grant;
        }
        if (response != null && responseApproval != null && response.hasField(responseApproval)) {
            Message created = (Message) response.getField(responseApproval);
            FieldDescriptor id = created.getDescriptorForType().findFieldByName("id");
            if (id != null && id.getJavaType() == FieldDescriptor.JavaType.STRING) {
                return (String) created.getField(id);
            }
        }
        return "";
    }

    private String detail(Message request, Message response) {
        StringBuilder detail = new StringBuilder();
        String officer = text(request, officerId);
        if (officer.isEmpty() && signature != null && request.hasField(signature)) {
            Message signed = (Message) request.getField(signature);
            FieldDescriptor id = signed.getDescriptorForType().findFieldByName("officer_id");
            if (id != null && id.getJavaType() == FieldDescriptor.JavaType.STRING) {
                officer = (String) signed.getField(id);
            }
        }
        if (officer.isEmpty() && this.officer != null && request.hasField(this.officer)) {
            // AddOfficer: the officer asked for, and its key as officers compare it (the canonical
            // fingerprint, so another encoding of a registered key shows as that key).
            Message added = (Message) request.getField(this.officer);
            Officer registered;
            try {
                registered = added instanceof Officer typed ? typed : Officer.parseFrom(added.toByteString());
            } catch (InvalidProtocolBufferException unreadable) {
                registered = Officer.getDefaultInstance();
            }
            officer = registered.getId() + " fingerprint=" + OfficerKeys.fingerprint(registered.getPublicKey());
        }
        if (!officer.isEmpty()) {
            detail.append("officer=").append(officer);
        }
        if (decision != null) {
            EnumValueDescriptor value = (EnumValueDescriptor) request.getField(decision);
            append(detail, "decision=" + value.getName());
        }
        for (FieldDescriptor field : xksRequestFields) {
            String value = text(request, field);
            if (!value.isEmpty()) {
                append(detail, field.getName() + "=" + value);
            }
        }
        if (response != null && responseKeyStoreId != null && !text(response, responseKeyStoreId).isEmpty()) {
            append(detail, "key_store_id=" + text(response, responseKeyStoreId));
        }
        if (response != null && responseCredential != null && response.hasField(responseCredential)) {
            // The access key id only: the same message holds the secret, which is never audited.
            Message credential = (Message) response.getField(responseCredential);
            FieldDescriptor id = credential.getDescriptorForType().findFieldByName("access_key_id");
            append(detail, "access_key_id=" + credential.getField(id));
        }
        EnumValueDescriptor algorithm = response != null && responseAlgorithm != null
                ? (EnumValueDescriptor) response.getField(responseAlgorithm)
                : requestAlgorithm != null ? (EnumValueDescriptor) request.getField(requestAlgorithm) : null;
        if (algorithm != null && algorithm.getNumber() != 0) {
            append(detail, "algorithm=" + algorithm.getName());
        }
        if (response != null && responseValid != null) {
            append(detail, "valid=" + response.getField(responseValid));
        }
        if (response != null && responseSourceKeyId != null) {
            append(detail, "source=" + text(response, responseSourceKeyId) + "/"
                    + (responseSourceKeyVersion == null ? 0 : response.getField(responseSourceKeyVersion)));
        }
        return detail.toString();
    }

    private String contextDigest(Message request) {
        if (context == null) {
            return "";
        }
        Map<String, String> pairs = contextMap(request);
        if (pairs.isEmpty()) {
            return "";
        }
        try {
            return ChainHash.sha256Hex(EncryptionContext.of(pairs).canonicalBytes());
        } catch (KmsException invalid) {
            // An invalid context was refused; its digest would identify nothing canonical.
            return "";
        }
    }

    /**
     * The context pairs through the generated {@code getEncryptionContextMap()}, which reads the
     * map as it is; the reflective {@code getField} and {@code getRepeatedFieldCount} turn it into
     * a list of entry messages first, a cost every audited call paid.
     */
    @SuppressWarnings("unchecked")
    private Map<String, String> contextMap(Message request) {
        MethodHandle getter = MAP_GETTERS.get(request.getClass());
        if (getter != null) {
            try {
                return (Map<String, String>) getter.invoke(request);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("cannot read the encryption context of " + request.getClass(), e);
            }
        }
        // Any other Message (a DynamicMessage): the map as its list of key/value entry messages.
        Map<String, String> pairs = new HashMap<>();
        for (Message entry : (List<Message>) request.getField(context)) {
            Descriptor type = entry.getDescriptorForType();
            pairs.put((String) entry.getField(type.findFieldByName("key")),
                    (String) entry.getField(type.findFieldByName("value")));
        }
        return pairs;
    }

    private static void append(StringBuilder detail, String part) {
        if (!detail.isEmpty()) {
            detail.append(' ');
        }
        detail.append(part);
    }

    private static String text(Message message, FieldDescriptor field) {
        return field == null ? "" : (String) message.getField(field);
    }

    private static FieldDescriptor field(Descriptor type, String name, FieldDescriptor.JavaType javaType) {
        FieldDescriptor field = type.findFieldByName(name);
        return field != null && !field.isRepeated() && field.getJavaType() == javaType ? field : null;
    }
}
