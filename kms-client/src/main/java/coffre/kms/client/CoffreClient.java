package coffre.kms.client;

import coffre.kms.v1.AsymmetricDecryptRequest;
import coffre.kms.v1.AsymmetricDecryptResponse;
import coffre.kms.v1.EncryptionAlgorithm;
import coffre.kms.v1.GenerateDataKeyRequest;
import coffre.kms.v1.GenerateDataKeyResponse;
import coffre.kms.v1.GetPublicKeyRequest;
import coffre.kms.v1.GetPublicKeyResponse;
import coffre.kms.v1.RewrapRequest;
import coffre.kms.v1.RewrapResponse;
import coffre.kms.v1.SignRequest;
import coffre.kms.v1.SignResponse;
import coffre.kms.v1.UnwrapRequest;
import coffre.kms.v1.UnwrapResponse;
import coffre.kms.v1.WrapRequest;
import coffre.kms.v1.VerifyRequest;
import coffre.kms.v1.VerifyResponse;
import coffre.kms.v1.WrapResponse;
import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Java client of Coffre: envelope encryption, and decryption and signatures with asymmetric
 * keys, against a Coffre server or cluster over mutual TLS, and the stubs of the admin services.
 *
 * <pre>{@code
 * try (CoffreClient coffre = CoffreClient.builder()
 *         .endpoints("kms-a.example:8443,kms-b.example:8443")
 *         .tls(Path.of("ca.pem"), Path.of("billing.pem"), Path.of("billing.key"))
 *         .deadline(Duration.ofSeconds(5))
 *         .build()) {
 *     Map<String, String> context = Map.of("tenant", "acme");
 *     GenerateDataKeyResponse dataKey = coffre.generateDataKey("alias/billing", 32, context);
 *     // encrypt with dataKey.getPlaintext(), forget it, store dataKey.getEnvelope() beside the data
 *     UnwrapResponse opened = coffre.unwrap(dataKey.getEnvelope().toByteArray(), context);
 * }
 * }</pre>
 *
 * <p>The contract:
 * <ul>
 *   <li>One client holds one channel with a connection to every listed node; calls spread
 *       {@code round_robin} over the nodes that are up. It is thread-safe and meant to be shared
 *       and kept for the life of the application, not opened per call.</li>
 *   <li>Every call gets the client's {@linkplain #deadline() deadline}, retries included: the
 *       data-plane calls are safe to repeat and are retried on {@code UNAVAILABLE} or {@code CANCELLED} within it
 *       ({@link ClientServiceConfig}).</li>
 *   <li>A failed call throws a {@link CoffreException}, typed by the family of the server's error
 *       reason (see that class), never a raw {@code StatusRuntimeException}. Calls made through
 *       {@link #stubs()} are plain gRPC and throw {@code StatusRuntimeException};
 *       {@link CoffreErrors#toException} types them the same way.</li>
 *   <li>Responses of {@code unwrap}, {@code generateDataKey} and {@code asymmetricDecrypt} hold plaintext. Protobuf's
 *       {@code toString} prints it: never log a response. Byte arrays passed in are copied, so the
 *       caller may zero them as soon as the call returns.</li>
 *   <li>{@link #close()} cancels the calls still in progress and releases the connections.</li>
 * </ul>
 */
public final class CoffreClient implements AutoCloseable {

    /** The deadline of each call when {@link Builder#deadline} is not called. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private final ManagedChannel channel;
    private final CoffreStubs stubs;
    private final CoffreAsync async;

    private CoffreClient(ManagedChannel channel, Duration deadline) {
        this.channel = channel;
        this.stubs = new CoffreStubs(channel, deadline);
        this.async = new CoffreAsync(channel, deadline);
    }

    /** A builder; {@link Builder#endpoints} and {@link Builder#tls} must be called before {@link Builder#build}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Encrypts {@code request.plaintext} (at most 4096 bytes) under the primary version of its key.
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public WrapResponse wrap(WrapRequest request) {
        return call(() -> stubs.crypto().wrap(request));
    }

    /**
     * Encrypts {@code plaintext} under the primary version of {@code keyId} ({@code key-...} or
     * {@code alias/NAME}), binding {@code encryptionContext}: the same map must be given to unwrap.
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public WrapResponse wrap(String keyId, byte[] plaintext, Map<String, String> encryptionContext) {
        return wrap(WrapRequest.newBuilder().setKeyId(keyId).setPlaintext(ByteString.copyFrom(plaintext))
                .putAllEncryptionContext(encryptionContext).build());
    }

    /**
     * Decrypts an envelope made by wrap, generateDataKey or rewrap.
     *
     * @throws DecryptionFailedException if the envelope, its key or the encryption context is wrong
     * @throws ApprovalRequiredException if the key is break-glass: officers must approve the request it names
     * @throws CoffreException for any other failure, typed by its family
     */
    public UnwrapResponse unwrap(UnwrapRequest request) {
        return call(() -> stubs.crypto().unwrap(request));
    }

    /**
     * Decrypts {@code envelope} with the encryption context it was made with.
     *
     * @throws DecryptionFailedException if the envelope, its key or the encryption context is wrong
     * @throws ApprovalRequiredException if the key is break-glass: officers must approve the request it names
     * @throws CoffreException for any other failure, typed by its family
     */
    public UnwrapResponse unwrap(byte[] envelope, Map<String, String> encryptionContext) {
        return unwrap(UnwrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(envelope))
                .putAllEncryptionContext(encryptionContext).build());
    }

    /**
     * A fresh random data key from the HSM, in plaintext and wrapped under the request's key.
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public GenerateDataKeyResponse generateDataKey(GenerateDataKeyRequest request) {
        return call(() -> stubs.crypto().generateDataKey(request));
    }

    /**
     * A fresh random data key of {@code lengthBytes} (16, 24, 32 or 64; 0 means 32), in plaintext and
     * wrapped under {@code keyId} with {@code encryptionContext}.
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public GenerateDataKeyResponse generateDataKey(String keyId, int lengthBytes, Map<String, String> encryptionContext) {
        return generateDataKey(GenerateDataKeyRequest.newBuilder().setKeyId(keyId).setLengthBytes(lengthBytes)
                .putAllEncryptionContext(encryptionContext).build());
    }

    /**
     * Unwraps and wraps again under the primary version of the same key, or of
     * {@code request.target_key_id}, keeping the encryption context; the plaintext never leaves the server.
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public RewrapResponse rewrap(RewrapRequest request) {
        return call(() -> stubs.crypto().rewrap(request));
    }

    /**
     * Re-encrypts {@code envelope} under the primary version of its own key (after a rotation).
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public RewrapResponse rewrap(byte[] envelope, Map<String, String> encryptionContext) {
        return rewrap(RewrapRequest.newBuilder().setEnvelope(ByteString.copyFrom(envelope))
                .putAllEncryptionContext(encryptionContext).build());
    }

    /**
     * The same calls without blocking, returning {@code CompletableFuture}s: every CryptoService and
     * KeyService RPC, with this client's channel and deadline, failing with the same typed exceptions.
     */
    public CoffreAsync async() {
        return async;
    }

    /**
     * The public key of {@code keyVersion} (0: the primary) of an asymmetric key, DER and PEM.
     *
     * @throws CoffreException if the call fails, typed by its family ({@code INVALID_KEY_USAGE} for an AES key)
     */
    public GetPublicKeyResponse getPublicKey(String keyId, int keyVersion) {
        GetPublicKeyRequest request = GetPublicKeyRequest.newBuilder().setKeyId(keyId).setKeyVersion(keyVersion).build();
        return call(() -> stubs.crypto().getPublicKey(request));
    }

    /**
     * RSA-OAEP (SHA-256, MGF1-SHA-256) decryption of {@code ciphertext}, exactly the modulus length,
     * with {@code keyVersion} (0: the primary) of an RSA {@code ENCRYPT_DECRYPT} key.
     *
     * @throws DecryptionFailedException if the ciphertext does not decrypt with that key version
     * @throws ApprovalRequiredException if the key is break-glass: officers must approve the request it names
     * @throws CoffreException for any other failure, typed by its family
     */
    public AsymmetricDecryptResponse asymmetricDecrypt(String keyId, int keyVersion, byte[] ciphertext) {
        AsymmetricDecryptRequest request = AsymmetricDecryptRequest.newBuilder().setKeyId(keyId)
                .setKeyVersion(keyVersion).setCiphertext(ByteString.copyFrom(ciphertext))
                .setAlgorithm(EncryptionAlgorithm.RSAES_OAEP_SHA_256).build();
        return call(() -> stubs.crypto().asymmetricDecrypt(request));
    }

    /**
     * Signs (with the primary version of a {@code SIGN_VERIFY} key, the key's own algorithm) a
     * message, hashed by the server, or a digest (set one of them in the request).
     *
     * @throws CoffreException if the call fails, typed by its family
     */
    public SignResponse sign(SignRequest request) {
        return call(() -> stubs.crypto().sign(request));
    }

    /** Signs {@code message} (at most 4096 bytes) with the key's own algorithm. */
    public SignResponse sign(String keyId, byte[] message) {
        return sign(SignRequest.newBuilder().setKeyId(keyId).setMessage(ByteString.copyFrom(message)).build());
    }

    /**
     * Checks a signature with a version's public key, on the server. A signature that does not
     * verify is {@code valid == false} in the answer, not an exception.
     *
     * @throws CoffreException if the request cannot be checked (key, usage, algorithm, digest length)
     */
    public VerifyResponse verify(VerifyRequest request) {
        return call(() -> stubs.crypto().verify(request));
    }

    /** Checks {@code signature} of {@code message} with {@code keyVersion} (0: the primary). */
    public VerifyResponse verify(String keyId, int keyVersion, byte[] message, byte[] signature) {
        return verify(VerifyRequest.newBuilder().setKeyId(keyId).setKeyVersion(keyVersion)
                .setMessage(ByteString.copyFrom(message)).setSignature(ByteString.copyFrom(signature)).build());
    }

    /** Stubs of every service over this client's channel, each call with this client's deadline. */
    public CoffreStubs stubs() {
        return stubs;
    }

    /** This client's channel, for stubs of one's own or interceptors; the client keeps owning it. */
    public Channel channel() {
        return channel;
    }

    /** The deadline of each call. */
    public Duration deadline() {
        return stubs.deadline();
    }

    /**
     * Cancels the calls still in progress (they fail with an {@link UnavailableException}), closes
     * the connections and waits up to 5 s for the channel's threads to end. Calling it again does
     * nothing more.
     */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            // The client is closed either way; keep the interrupt for whoever runs us.
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw CoffreErrors.toException(e);
        }
    }

    /**
     * Settings of a {@link CoffreClient}, validated as they are given: a bad value fails at once
     * with a message saying what is accepted. Not thread-safe; one builder may build several clients.
     */
    public static final class Builder {
        private Endpoints endpoints;
        private Path caCert;
        private Path cert;
        private Path key;
        private Duration deadline = DEFAULT_DEADLINE;
        private String authority;
        private ChannelFactory channels = TlsChannelFactory.forServices();

        private Builder() {
        }

        /**
         * The nodes to call, {@code host:port[,host:port...]} (IPv6 literals in brackets).
         *
         * @throws IllegalArgumentException naming the bad entry
         */
        public Builder endpoints(String hostPorts) {
            return endpoints(Endpoints.parse(Objects.requireNonNull(hostPorts, "hostPorts")));
        }

        /** The nodes to call. */
        public Builder endpoints(Endpoints endpoints) {
            this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
            return this;
        }

        /**
         * The mutual TLS material, as PEM files; read when {@link #build()} opens the channel, and
         * again whenever a new connection finds that they changed (certificate rotation).
         *
         * @param caCert the CA bundle that signed the servers' certificates: the only one trusted
         * @param cert this client's certificate chain; the server takes the caller's principal from it
         * @param key the unencrypted PKCS#8 private key of {@code cert}
         */
        public Builder tls(Path caCert, Path cert, Path key) {
            this.caCert = Objects.requireNonNull(caCert, "caCert");
            this.cert = Objects.requireNonNull(cert, "cert");
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        /**
         * The deadline of each call, retries included; {@link CoffreClient#DEFAULT_DEADLINE} (10 s) by default.
         *
         * @throws IllegalArgumentException if it is not positive
         */
        public Builder deadline(Duration deadline) {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("the deadline must be positive, got " + deadline);
            }
            this.deadline = deadline;
            return this;
        }

        /**
         * The name every node's certificate is checked against (and sent as SNI), when it is not
         * the host each endpoint is listed under.
         *
         * @throws IllegalArgumentException if it is blank
         */
        public Builder authority(String authority) {
            if (Objects.requireNonNull(authority, "authority").isBlank()) {
                throw new IllegalArgumentException("the authority must not be blank");
            }
            this.authority = authority;
            return this;
        }

        /**
         * How the channel is opened: by default {@link TlsChannelFactory#forServices()}, which follows
         * the PEM files on disk (a certificate rotated in place is presented on the next connection);
         * tests pass an in-process one.
         * The factory is given the settings of this builder.
         */
        public Builder channelFactory(ChannelFactory channels) {
            this.channels = Objects.requireNonNull(channels, "channels");
            return this;
        }

        /**
         * Opens the client's channel. Connections are made on the first call, so an unreachable
         * node surfaces then, as an {@link UnavailableException}.
         *
         * @throws IllegalStateException if the endpoints or the TLS material were not given
         * @throws TlsMaterialException if the PEM files cannot be loaded
         */
        public CoffreClient build() throws TlsMaterialException {
            if (endpoints == null) {
                throw new IllegalStateException("no endpoints: call endpoints(\"host:port[,host:port...]\")");
            }
            if (caCert == null) {
                throw new IllegalStateException("no TLS material (Coffre always uses mutual TLS): call tls(caCert, cert, key)");
            }
            ConnectionSettings settings = new ConnectionSettings(endpoints, caCert, cert, key, deadline,
                    Optional.ofNullable(authority));
            return new CoffreClient(channels.open(settings), deadline);
        }
    }
}
