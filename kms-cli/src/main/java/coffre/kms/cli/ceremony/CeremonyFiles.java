package coffre.kms.cli.ceremony;

import coffre.kms.cli.officers.OfficerRendering;
import coffre.kms.cli.output.ProtoJson;
import coffre.kms.v1.CeremonyDocument;
import coffre.kms.v1.CeremonySignature;
import coffre.kms.v1.Officer;
import coffre.kms.v1.signing.OfficerKeys;
import coffre.kms.v1.signing.Statements;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The files of the init ceremony.
 *
 * <ul>
 *   <li>The <b>document</b>: the binary protobuf serialisation of a {@link CeremonyDocument},
 *       written once by {@code ceremony prepare} and never re-encoded afterwards, because officers
 *       sign the SHA-256 of these exact bytes and the server receives these exact bytes.</li>
 *   <li>A <b>signature file</b>: one {@link CeremonySignature} in protobuf's JSON mapping,
 *       {@code {"officer_id": "alice", "signature": "<base64>"}}.</li>
 * </ul>
 */
final class CeremonyFiles {

    private static final int MAX_BYTES = 1024 * 1024;

    private CeremonyFiles() {
    }

    /** A read document: its exact bytes and what they decode to. */
    record Document(byte[] bytes, CeremonyDocument document) {

        /** SHA-256 of the bytes, lowercase hex: what people compare before signing. */
        String sha256() {
            return HexFormat.of().formatHex(Statements.sha256(bytes));
        }

        Optional<Officer> officer(String id) {
            return document.getOfficersList().stream().filter(o -> o.getId().equals(id)).findFirst();
        }

        /** True if {@code signature} is {@code officer}'s valid signature over these bytes. */
        boolean verifies(Officer officer, CeremonySignature signature) {
            return OfficerKeys.verify(officer.getPublicKey(), Statements.ceremony(bytes), signature.getSignature().toByteArray());
        }
    }

    static Document readDocument(CommandLine commandLine, Path file) throws IOException {
        byte[] bytes = read("ceremony document", file);
        try {
            CeremonyDocument document = Statements.parseCanonical(bytes, CeremonyDocument.parser());
            if (document.getOfficersCount() == 0) {
                throw new InvalidProtocolBufferException("no officers");
            }
            return new Document(bytes, document);
        } catch (InvalidProtocolBufferException e) {
            throw new ParameterException(commandLine, "ceremony document " + file
                    + " is not a document made by 'coffre ceremony prepare'");
        }
    }

    static CeremonySignature readSignature(CommandLine commandLine, Path file) throws IOException {
        byte[] bytes = read("signature file", file);
        CeremonySignature.Builder signature = CeremonySignature.newBuilder();
        try {
            JsonFormat.parser().merge(new String(bytes, StandardCharsets.UTF_8), signature);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new ParameterException(commandLine, "signature file " + file
                    + " is not a JSON CeremonySignature made by 'coffre ceremony sign'");
        }
        return signature.build();
    }

    static String renderSignature(CeremonySignature signature) {
        return ProtoJson.print(signature) + "\n";
    }

    /** The document in plain words: officers with fingerprints, rule, nonce. */
    static String summary(Document document) {
        CeremonyDocument doc = document.document();
        return "Officers:\n"
                + OfficerRendering.table(doc.getOfficersList()).lines().map(l -> "  " + l + "\n").reduce("", String::concat)
                + OfficerRendering.ruleLine(doc.getRule())
                + "Nonce: " + doc.getNonce() + "\n"
                + "SHA-256: " + document.sha256() + "\n";
    }

    private static byte[] read(String what, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException("cannot read " + what + " " + file + ": larger than " + MAX_BYTES + " bytes");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + what + " " + file + ": no such file", e);
        }
    }
}
