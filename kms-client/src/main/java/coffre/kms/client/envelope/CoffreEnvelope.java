package coffre.kms.client.envelope;

import coffre.kms.client.CoffreClient;
import coffre.kms.client.DecryptionFailedException;
import coffre.kms.client.envelope.EnvelopeException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.crypto.AEADBadTagException;

/**
 * Envelope encryption in one call: a data key from Coffre's {@code GenerateDataKey} encrypts a
 * stream of any length with AES-256-GCM in segments, and the message carries everything needed to
 * decrypt it again through Coffre (its header holds the wrapped data key and the encryption
 * context). The format, its security argument and test vectors are in
 * {@code docs/client-envelope-format.md}.
 *
 * <pre>{@code
 * CoffreEnvelope envelope = new CoffreEnvelope(coffre);           // a CoffreClient
 * Map<String, String> context = Map.of("tenant", "acme", "file", "invoices-2026.csv");
 * try (InputStream in = Files.newInputStream(plain); OutputStream out = Files.newOutputStream(sealed)) {
 *     envelope.encrypt("alias/billing", context, in, out);
 * }
 * try (InputStream in = Files.newInputStream(sealed); OutputStream out = Files.newOutputStream(opened)) {
 *     envelope.decrypt(context, in, out);                         // EnvelopeException if tampered
 * }
 * }</pre>
 *
 * <p>The contract:
 * <ul>
 *   <li>Memory is constant: two segments (64 KiB each by default) whatever the stream's length.
 *       Streams are neither closed nor flushed.</li>
 *   <li>{@code decrypt} writes each segment's plaintext once that segment is authenticated, and
 *       detects truncation only at the end: if it throws, <b>discard everything it wrote</b>.</li>
 *   <li>{@code decrypt} takes the encryption context the caller expects and refuses a message bound
 *       to another ({@link Reason#CONTEXT_MISMATCH}) before calling Coffre. Coffre itself refuses a
 *       wrapped key whose context was changed ({@link Reason#WRAPPED_KEY_REFUSED}).</li>
 *   <li>Format problems and tampering throw {@link EnvelopeException}; Coffre's other refusals
 *       (access denied, key disabled, unavailable) its typed {@code CoffreException}s.</li>
 *   <li>Where data keys come from is a {@link DataKeys}: Coffre on every message by default, or
 *       {@link CachingDataKeys} to reuse keys within bounds.</li>
 * </ul>
 * Thread-safe; keep one and share it.
 */
public final class CoffreEnvelope {

    /** Plaintext bytes per segment unless set otherwise. */
    public static final int DEFAULT_SEGMENT_SIZE = 64 * 1024;
    private static final byte[] NO_ASSOCIATED_DATA = new byte[0];

    private final DataKeys dataKeys;
    private final int segmentSize;
    private final Consumer<byte[]> random;

    /** Envelopes whose data keys come from Coffre through {@code client}, one per message. */
    public CoffreEnvelope(CoffreClient client) {
        this(new KmsDataKeys(client));
    }

    /** Envelopes whose data keys come from {@code dataKeys} (e.g. a {@link CachingDataKeys}). */
    public CoffreEnvelope(DataKeys dataKeys) {
        this(dataKeys, DEFAULT_SEGMENT_SIZE, new SecureRandom()::nextBytes);
    }

    /** For test vectors: the randomness of the message id and nonce prefix. */
    CoffreEnvelope(DataKeys dataKeys, int segmentSize, Consumer<byte[]> random) {
        this.dataKeys = Objects.requireNonNull(dataKeys, "dataKeys");
        EnvelopeHeader.checkSegmentSize(segmentSize);
        this.segmentSize = segmentSize;
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * The same envelopes with {@code segmentSize} plaintext bytes per segment: larger segments cost
     * less per byte and more memory. Decryption reads the size from each message.
     *
     * @throws IllegalArgumentException unless it is 16 bytes to 16 MiB
     */
    public CoffreEnvelope withSegmentSize(int segmentSize) {
        return new CoffreEnvelope(dataKeys, segmentSize, random);
    }

    /**
     * Encrypts {@code in} to the end into {@code out} under a new data key wrapped by {@code keyId}
     * ({@code key-...} or {@code alias/NAME}) with {@code context}.
     *
     * @throws EnvelopeException if the input needs more than 2^32 segments
     * @throws IOException if reading or writing fails
     * @throws coffre.kms.client.CoffreException if Coffre refuses the data key
     * @throws IllegalArgumentException if the context is not acceptable (an empty key, over 8192 bytes encoded)
     */
    public EnvelopeInfo encrypt(String keyId, Map<String, String> context, InputStream in, OutputStream out)
            throws IOException {
        return encrypt(keyId, context, in, out, DataKeys.UNKNOWN_SIZE);
    }

    /**
     * As {@link #encrypt(String, Map, InputStream, OutputStream)} for an input of at most
     * {@code plaintextBytes}, a size a {@link CachingDataKeys} can count against its byte limit.
     *
     * @throws EnvelopeException ({@link Reason#PLAINTEXT_SIZE_EXCEEDED}) if the input is longer;
     *     the output is then incomplete
     */
    public EnvelopeInfo encrypt(String keyId, Map<String, String> context, InputStream in, OutputStream out,
                                long plaintextBytes) throws IOException {
        return encrypt(keyId, context, NO_ASSOCIATED_DATA, in, out, plaintextBytes);
    }

    /**
     * As {@link #encrypt(String, Map, InputStream, OutputStream, long)}, also binding
     * {@code associatedData}: bytes that are not stored in the message and not sent to Coffre, and
     * that {@code decrypt} must be given again (such as a record's id or a file's path). Unlike the
     * context, they can differ for every message without defeating a {@link CachingDataKeys}, which
     * keeps one data key per context.
     *
     * @param plaintextBytes the input's length, or {@link DataKeys#UNKNOWN_SIZE}
     */
    public EnvelopeInfo encrypt(String keyId, Map<String, String> context, byte[] associatedData, InputStream in,
                                OutputStream out, long plaintextBytes) throws IOException {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(associatedData, "associatedData");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        CanonicalContext.encode(context);
        if (plaintextBytes < 0 && plaintextBytes != DataKeys.UNKNOWN_SIZE) {
            throw new IllegalArgumentException("plaintextBytes must be >= 0 or DataKeys.UNKNOWN_SIZE");
        }
        byte[] messageId = new byte[EnvelopeHeader.MESSAGE_ID_BYTES];
        byte[] noncePrefix = new byte[EnvelopeHeader.NONCE_PREFIX_BYTES];
        random.accept(messageId);
        random.accept(noncePrefix);
        DataKey dataKey = dataKeys.generate(keyId, context, plaintextBytes);
        SegmentCipher cipher;
        EnvelopeHeader header;
        try {
            header = EnvelopeHeader.create(segmentSize, messageId, noncePrefix, dataKey.wrapped(), context);
            cipher = SegmentCipher.derive(dataKey.plaintextView(), header, associatedData);
        } finally {
            dataKey.destroy();
        }
        try (cipher) {
            out.write(header.body());
            out.write(cipher.commitment());
            long written = encryptSegments(cipher, in, out, plaintextBytes);
            return new EnvelopeInfo(dataKey.keyId(), dataKey.keyVersion(), context, segmentSize, written);
        }
    }

    private long encryptSegments(SegmentCipher cipher, InputStream in, OutputStream out, long declared)
            throws IOException {
        byte[] current = new byte[segmentSize];
        byte[] next = new byte[segmentSize];
        byte[] sealed = new byte[segmentSize + SegmentCipher.TAG_BYTES];
        try {
            int currentLength = in.readNBytes(current, 0, segmentSize);
            long total = 0;
            for (long index = 0; ; index++) {
                int nextLength = currentLength < segmentSize ? 0 : in.readNBytes(next, 0, segmentSize);
                boolean last = nextLength == 0;
                total += currentLength;
                if (declared >= 0 && total > declared) {
                    throw new EnvelopeException(Reason.PLAINTEXT_SIZE_EXCEEDED, "the input is longer than the "
                            + declared + " bytes declared for it");
                }
                if (index >= SegmentCipher.MAX_SEGMENTS) {
                    throw new EnvelopeException(Reason.TOO_MANY_SEGMENTS, "more than 2^32 segments of "
                            + segmentSize + " bytes; use larger segments");
                }
                out.write(sealed, 0, cipher.encrypt(index, last, current, currentLength, sealed));
                if (last) {
                    return total;
                }
                byte[] swap = current;
                current = next;
                next = swap;
                currentLength = nextLength;
            }
        } finally {
            Arrays.fill(current, (byte) 0);
            Arrays.fill(next, (byte) 0);
        }
    }

    /**
     * Decrypts a message from {@code in} (read to its end) into {@code out}, if it is bound to
     * exactly {@code expectedContext}.
     *
     * @return the key, context and length of the message
     * @throws EnvelopeException if the message is not well-formed, was changed, cut, extended, or
     *     bound to another context; what was written to {@code out} must then be discarded
     * @throws IOException if reading or writing fails
     * @throws coffre.kms.client.CoffreException if Coffre refuses to unwrap for another reason
     *     (access denied, key disabled, unavailable)
     */
    public EnvelopeInfo decrypt(Map<String, String> expectedContext, InputStream in, OutputStream out)
            throws IOException {
        return decrypt(expectedContext, NO_ASSOCIATED_DATA, in, out);
    }

    /**
     * As {@link #decrypt(Map, InputStream, OutputStream)} for a message encrypted with
     * {@code associatedData}; other associated data fail as
     * {@link Reason#HEADER_AUTHENTICATION_FAILED}, before any plaintext is written.
     */
    public EnvelopeInfo decrypt(Map<String, String> expectedContext, byte[] associatedData, InputStream in,
                                OutputStream out) throws IOException {
        Objects.requireNonNull(expectedContext, "expectedContext");
        Objects.requireNonNull(associatedData, "associatedData");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        byte[] commitment = new byte[EnvelopeHeader.COMMITMENT_BYTES];
        EnvelopeHeader header = EnvelopeHeader.read(in, commitment);
        if (!header.context().equals(expectedContext)) {
            throw new EnvelopeException(Reason.CONTEXT_MISMATCH, "the message is bound to another encryption context"
                    + " (its keys: " + new java.util.TreeSet<>(header.context().keySet()) + ")");
        }
        DataKey dataKey;
        try {
            dataKey = dataKeys.unwrap(header.wrappedKey(), header.context());
        } catch (DecryptionFailedException e) {
            throw new EnvelopeException(Reason.WRAPPED_KEY_REFUSED, "Coffre cannot open the message's data key with"
                    + " its context: the header was changed, or the key is another cluster's", e);
        }
        SegmentCipher cipher;
        try {
            cipher = SegmentCipher.derive(dataKey.plaintextView(), header, associatedData);
        } finally {
            dataKey.destroy();
        }
        try (cipher) {
            if (!cipher.commitmentMatches(commitment)) {
                throw new EnvelopeException(Reason.HEADER_AUTHENTICATION_FAILED,
                        "the header was changed, or the associated data differ");
            }
            long total = decryptSegments(cipher, header.segmentSize(), in, out);
            return new EnvelopeInfo(dataKey.keyId(), dataKey.keyVersion(), header.context(), header.segmentSize(), total);
        }
    }

    private static long decryptSegments(SegmentCipher cipher, int segmentSize, InputStream in, OutputStream out)
            throws IOException {
        int sealedSize = segmentSize + SegmentCipher.TAG_BYTES;
        byte[] current = new byte[sealedSize];
        byte[] next = new byte[sealedSize];
        byte[] plain = new byte[segmentSize];
        try {
            int currentLength = in.readNBytes(current, 0, sealedSize);
            long total = 0;
            for (long index = 0; ; index++) {
                if (currentLength < SegmentCipher.TAG_BYTES) {
                    throw new EnvelopeException(Reason.TRUNCATED, index == 0 ? "no segment follows the header"
                            : "the stream ends inside segment " + index);
                }
                if (index >= SegmentCipher.MAX_SEGMENTS) {
                    throw new EnvelopeException(Reason.TRAILING_DATA, "more than 2^32 segments");
                }
                int nextLength = currentLength < sealedSize ? 0 : in.readNBytes(next, 0, sealedSize);
                boolean last = nextLength == 0;
                int opened;
                try {
                    opened = cipher.decrypt(index, last, current, currentLength, plain);
                } catch (AEADBadTagException e) {
                    throw diagnose(cipher, index, last, current, currentLength, plain);
                }
                out.write(plain, 0, opened);
                total += opened;
                if (last) {
                    return total;
                }
                byte[] swap = current;
                current = next;
                next = swap;
                currentLength = nextLength;
            }
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Why segment {@code index} failed: if it opens with the other finality, the stream was cut
     * after it or extended past it; otherwise it was changed, moved or taken from elsewhere.
     */
    private static EnvelopeException diagnose(SegmentCipher cipher, long index, boolean last, byte[] sealed,
                                              int length, byte[] scratch) {
        try {
            cipher.decrypt(index, !last, sealed, length, scratch);
            return last
                    ? new EnvelopeException(Reason.TRUNCATED, "the stream ends after segment " + index
                            + ", which is not the last one")
                    : new EnvelopeException(Reason.TRAILING_DATA, "segment " + index
                            + " is the last one, but more data follows it");
        } catch (AEADBadTagException e) {
            return new EnvelopeException(Reason.SEGMENT_AUTHENTICATION_FAILED, "segment " + index
                    + " failed authentication: it was changed, cut, moved, repeated or comes from another message");
        } finally {
            Arrays.fill(scratch, (byte) 0);
        }
    }

    /**
     * {@link #encrypt(String, Map, InputStream, OutputStream, long)} of a byte array.
     *
     * @throws coffre.kms.client.CoffreException if Coffre refuses the data key
     */
    public byte[] encrypt(String keyId, Map<String, String> context, byte[] plaintext) {
        return encrypt(keyId, context, NO_ASSOCIATED_DATA, plaintext);
    }

    /**
     * {@link #encrypt(String, Map, byte[], InputStream, OutputStream, long)} of a byte array.
     *
     * @throws coffre.kms.client.CoffreException if Coffre refuses the data key
     */
    public byte[] encrypt(String keyId, Map<String, String> context, byte[] associatedData, byte[] plaintext) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plaintext.length + 256);
        try {
            encrypt(keyId, context, associatedData, new ByteArrayInputStream(plaintext), out, plaintext.length);
        } catch (IOException e) {
            throw new UncheckedIOException("no I/O happens in memory", e);
        }
        return out.toByteArray();
    }

    /**
     * {@link #decrypt(Map, InputStream, OutputStream)} of a byte array.
     *
     * @throws EnvelopeException as the streaming form
     */
    public byte[] decrypt(Map<String, String> expectedContext, byte[] message) throws EnvelopeException {
        return decrypt(expectedContext, NO_ASSOCIATED_DATA, message);
    }

    /**
     * {@link #decrypt(Map, byte[], InputStream, OutputStream)} of a byte array.
     *
     * @throws EnvelopeException as the streaming form
     */
    public byte[] decrypt(Map<String, String> expectedContext, byte[] associatedData, byte[] message)
            throws EnvelopeException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
        try {
            decrypt(expectedContext, associatedData, new ByteArrayInputStream(message), out);
        } catch (EnvelopeException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("no I/O happens in memory", e);
        }
        return out.toByteArray();
    }
}
