package coffre.kms.server.xks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one Jackson (streaming API) factory of the XKS edge.
 *
 * <p>Reading is strict JSON (Jackson's defaults: no comments, single quotes or NaN) with
 * duplicate members refused, so two readers of one body (the policy check and the crypto) can
 * never see different values; parse errors never carry source text, which could be plaintext.
 * Writing is compact: the AWS test client parses the last line of the answer, so a body must be
 * one line.
 */
final class XksJson {
    /** The largest body read ({@link XksRequests#MAX_BODY_BYTES}); no string in it can be longer. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Requests are two levels deep; anything deeper is not an XKS request. */
    private static final int MAX_NESTING_DEPTH = 8;

    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_BODY_BYTES)
                    .build())
            .build();

    private XksJson() {
    }

    /** What writes one JSON document. */
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** The UTF-8 bytes of the document {@code body} writes, compact, on one line. */
    static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }
}
