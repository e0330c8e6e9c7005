package coffre.kms.tink;

import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * A Tink key URI naming a Coffre key: {@code coffre://key-...} (a key id) or
 * {@code coffre://alias/NAME} (an alias). Exists so that every place that takes a URI from a
 * caller ({@link CoffreKmsClient#doesSupport}, {@link CoffreKmsClient#getAead}) reads it the same
 * way and refuses a malformed one with the same message; whether the key exists, and whether the
 * caller may use it, only the server says.
 *
 * @param uri the URI as given
 * @param keyId what Coffre's API takes as {@code key_id}: the URI without its {@value #PREFIX} prefix
 */
public record CoffreKeyUri(String uri, String keyId) {

    /** The scheme prefix of every Coffre key URI. */
    public static final String PREFIX = "coffre://";

    private static final String KEY_ID_PREFIX = "key-";
    private static final String ALIAS_PREFIX = "alias/";
    /** Longer than any key id or alias the server accepts; only a bound against absurd input here. */
    private static final int MAX_KEY_ID_LENGTH = 256;

    public CoffreKeyUri {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(keyId, "keyId");
    }

    /**
     * Reads {@code uri}.
     *
     * @throws GeneralSecurityException (Tink's error type) if it is not {@code coffre://key-...} or
     *     {@code coffre://alias/NAME}, saying which forms are accepted
     */
    public static CoffreKeyUri parse(String uri) throws GeneralSecurityException {
        if (uri == null || !uri.startsWith(PREFIX)) {
            throw new GeneralSecurityException("not a Coffre key URI: '" + uri + "'; expected "
                    + PREFIX + "key-... or " + PREFIX + "alias/NAME");
        }
        String keyId = uri.substring(PREFIX.length());
        boolean named = keyId.length() > KEY_ID_PREFIX.length() && keyId.startsWith(KEY_ID_PREFIX)
                || keyId.length() > ALIAS_PREFIX.length() && keyId.startsWith(ALIAS_PREFIX);
        if (!named || keyId.length() > MAX_KEY_ID_LENGTH || !printable(keyId)) {
            throw new GeneralSecurityException("malformed Coffre key URI '" + uri + "': expected "
                    + PREFIX + "key-... (a key id) or " + PREFIX + "alias/NAME, at most "
                    + MAX_KEY_ID_LENGTH + " printable ASCII characters after the prefix");
        }
        return new CoffreKeyUri(uri, keyId);
    }

    /** Whether {@code uri} is well-formed, without saying why not. */
    public static boolean isValid(String uri) {
        try {
            parse(uri);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Whether the URI names a key by its id (rather than by an alias), so an envelope can be checked against it. */
    public boolean isKeyId() {
        return keyId.startsWith(KEY_ID_PREFIX);
    }

    private static boolean printable(String s) {
        return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    @Override
    public String toString() {
        return uri;
    }
}
