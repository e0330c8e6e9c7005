package coffre.kms.loadtest;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads {@code --xks-secret-file}: the SigV4 secret access key of an XKS key store, which is never a
 * command-line value (it would show in {@code ps} and shell histories) and never printed.
 *
 * <p>Two forms: the secret alone (one line; surrounding white space ignored), or the XKS proxy
 * configuration file of the AWS KMS console, the JSON that holds {@code XksProxyUriPath} and
 * {@code XksProxyAuthenticationCredential} ({@code AccessKeyId}, {@code RawSecretAccessKey}) — what
 * an administrator gets once when a key store or a credential is created. From that form the access
 * key id and the path also come, and must agree with {@code --xks-access-key-id} and
 * {@code --xks-uri} when those are given.
 *
 * <p>The file must be readable by its owner only (mode 600 or 400), as every secret file of the
 * project is written; a file that others may read is refused before it is read. Error messages name
 * the file and the rule, never its content (JSON errors are not passed on: the parser quotes the
 * text it choked on).
 */
final class XksSecretFile {
    /** A secret file is a line or a small JSON document; anything larger is a wrong file. */
    static final int MAX_BYTES = 64 * 1024;
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /**
     * What the file holds.
     *
     * @param accessKeyId the access key id, if the file says it (console form), else null
     * @param uriPath     the key store's XksProxyUriPath, if the file says it, else null
     * @param secret      the secret access key (the caller zeroes it)
     */
    record Contents(String accessKeyId, String uriPath, char[] secret) {
        @Override
        public String toString() {
            return "XksSecretFile.Contents[accessKeyId=" + accessKeyId + ", uriPath=" + uriPath + ", secret=(redacted)]";
        }
    }

    private XksSecretFile() {
    }

    /**
     * @throws IllegalArgumentException if the file is missing, open to others, too large, or holds
     *     neither form (the message names the file and the rule)
     */
    static Contents read(Path file) throws IOException {
        String name = "--xks-secret-file " + file;
        checkOwnerOnly(file, name);
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(name + ": larger than " + MAX_BYTES + " bytes, not a secret file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + ": no such file");
        }
        char[] text = null;
        try {
            text = utf8(bytes, name);
            int start = 0;
            int end = text.length;
            while (start < end && Character.isWhitespace(text[start])) {
                start++;
            }
            while (end > start && Character.isWhitespace(text[end - 1])) {
                end--;
            }
            if (start < end && text[start] == '{') {
                return consoleFile(new String(text, start, end - start), name);
            }
            return new Contents(null, null, Arrays.copyOfRange(text, start, end));
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (text != null) {
                Arrays.fill(text, '\0');
            }
        }
    }

    private static void checkOwnerOnly(Path file, String name) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // no POSIX permissions on this file system: nothing to check
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + ": no such file");
        }
        Set<PosixFilePermission> open = EnumSet.copyOf(NOT_OWNER);
        open.retainAll(permissions);
        if (!open.isEmpty()) {
            throw new IllegalArgumentException(name + " is open to other users (mode "
                    + PosixFilePermissions.toString(permissions) + "): a secret file must be readable by its owner "
                    + "only (chmod 600 " + file + ")");
        }
    }

    private static char[] utf8(byte[] bytes, String name) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes));
            char[] text = new char[chars.remaining()];
            chars.get(text);
            Arrays.fill(chars.array(), '\0');
            return text;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(name + ": not UTF-8 text");
        }
    }

    private static Contents consoleFile(String json, String name) {
        JsonObject file;
        try {
            file = new JsonObject(json);
        } catch (DecodeException e) {
            // Not e's message: Jackson's quotes the text around the error, which may be the secret.
            throw new IllegalArgumentException(name + ": starts with '{' but is not valid JSON (expected the secret "
                    + "alone, or the AWS KMS console's XKS proxy configuration file)");
        }
        Object credential = file.getValue("XksProxyAuthenticationCredential");
        if (!(credential instanceof JsonObject c) || !(c.getValue("RawSecretAccessKey") instanceof String secret)
                || !(c.getValue("AccessKeyId") instanceof String accessKeyId)) {
            throw new IllegalArgumentException(name + ": a JSON secret file is the AWS KMS console's XKS proxy "
                    + "configuration file, with XksProxyAuthenticationCredential.AccessKeyId and .RawSecretAccessKey");
        }
        Object uriPath = file.getValue("XksProxyUriPath");
        if (uriPath != null && !(uriPath instanceof String)) {
            throw new IllegalArgumentException(name + ": XksProxyUriPath must be a string");
        }
        return new Contents(accessKeyId, (String) uriPath, secret.toCharArray());
    }
}
