package coffre.kms.server.keystores;

import coffre.kms.server.domain.ErrorReason;
import coffre.kms.server.domain.KmsException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The forms of what names a key store and its keys, checked when a store is asked for or a key is
 * mapped, so that nothing the XKS edge could not route (or AWS KMS could not send) is ever stored.
 *
 * <ul>
 *   <li>Key store id: {@code xks-} followed by 26 characters of {@code [a-z2-7]} (130 random bits),
 *       chosen by the server.</li>
 *   <li>Name: 1–{@value #MAX_NAME_CHARS} characters of {@code [a-z0-9-]}; the principal of the
 *       store's calls is {@code xks:<name>}, so it must read the same everywhere.</li>
 *   <li>URI path ({@code XksProxyUriPath}): {@code <prefix>/kms/xks/v1}, at most
 *       {@value #MAX_URI_PATH_CHARS} characters of {@code [A-Za-z0-9/_-]}, the prefix empty or
 *       segments {@code /[A-Za-z0-9_-]+} (no period, no empty segment: the path is its own SigV4
 *       canonical URI).</li>
 *   <li>Region: 1–{@value #MAX_REGION_CHARS} characters of {@code [a-z0-9-]} (e.g. {@code eu-west-3}).</li>
 *   <li>External key id: 1–{@value #MAX_EXTERNAL_KEY_ID_CHARS} characters of {@code [A-Za-z0-9._-]},
 *       never {@code .} or {@code ..} (a path segment of the XKS URLs).</li>
 * </ul>
 */
public final class KeyStoreRules {
    public static final String ID_PREFIX = "xks-";
    public static final String API_ROOT = "/kms/xks/v1";
    public static final int MAX_URI_PATH_CHARS = 128;
    public static final int MAX_NAME_CHARS = 64;
    public static final int MAX_REGION_CHARS = 32;
    public static final int MAX_EXTERNAL_KEY_ID_CHARS = 128;
    /** What {@code GetKeyStore} and the CLI accept instead of an id: {@code name/<name>}. */
    public static final String NAME_PREFIX = "name/";

    private static final int ID_RANDOM_CHARS = 26;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final Pattern ID = Pattern.compile("xks-[a-z2-7]{26}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1," + MAX_NAME_CHARS + "}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1," + MAX_REGION_CHARS + "}");
    private static final Pattern PREFIX = Pattern.compile("(?:/[A-Za-z0-9_-]+)*");
    private static final Pattern EXTERNAL_KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_EXTERNAL_KEY_ID_CHARS + "}");

    private KeyStoreRules() {
    }

    /** A new key store id. */
    public static String newKeyStoreId(SecureRandom random) {
        StringBuilder id = new StringBuilder(ID_PREFIX);
        for (int i = 0; i < ID_RANDOM_CHARS; i++) {
            id.append(BASE32[random.nextInt(BASE32.length)]);
        }
        return id.toString();
    }

    public static boolean isKeyStoreId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public static boolean isValidRegion(String region) {
        return region != null && REGION.matcher(region).matches();
    }

    /** Whether {@code prefix} may be the part of a URI path before {@link #API_ROOT} (empty included). */
    public static boolean isValidUriPrefix(String prefix) {
        return prefix != null && prefix.length() <= MAX_URI_PATH_CHARS - API_ROOT.length()
                && PREFIX.matcher(prefix).matches();
    }

    /** Whether {@code uriPath} may be a store's {@code XksProxyUriPath}. */
    public static boolean isValidUriPath(String uriPath) {
        return uriPath != null && uriPath.endsWith(API_ROOT)
                && isValidUriPrefix(uriPath.substring(0, uriPath.length() - API_ROOT.length()));
    }

    public static boolean isValidExternalKeyId(String id) {
        return id != null && EXTERNAL_KEY_ID.matcher(id).matches() && !".".equals(id) && !"..".equals(id);
    }

    /** @throws KmsException MISSING_FIELD or {@link ErrorReason#INVALID_XKS_KEY_STORE} (field "name") */
    public static String requireName(String name) {
        return require(name, "name", isValidName(name),
                "a key store name is 1-" + MAX_NAME_CHARS + " characters of a-z, 0-9 and '-'");
    }

    /** @throws KmsException MISSING_FIELD or {@link ErrorReason#INVALID_XKS_KEY_STORE} (field "region") */
    public static String requireRegion(String region) {
        return require(region, "region", isValidRegion(region),
                "a region is 1-" + MAX_REGION_CHARS + " characters of a-z, 0-9 and '-', e.g. eu-west-3");
    }

    /** @throws KmsException MISSING_FIELD or {@link ErrorReason#INVALID_XKS_KEY_STORE} (field "uri_path") */
    public static String requireUriPath(String uriPath) {
        return require(uriPath, "uri_path", isValidUriPath(uriPath),
                "a URI path is /<prefix>" + API_ROOT + ", at most " + MAX_URI_PATH_CHARS
                        + " characters of A-Z, a-z, 0-9, '/', '_' and '-', without empty segments");
    }

    /** @throws KmsException MISSING_FIELD or {@link ErrorReason#INVALID_XKS_KEY_STORE} (field "key_store_id") */
    public static String requireKeyStoreId(String id) {
        return require(id, "key_store_id", isKeyStoreId(id),
                "a key store id is \"xks-\" followed by 26 characters of [a-z2-7], or \"name/<name>\"");
    }

    /** @throws KmsException MISSING_FIELD or {@link ErrorReason#INVALID_XKS_EXTERNAL_KEY_ID} */
    public static String requireExternalKeyId(String id) {
        if (id == null || id.isEmpty()) {
            throw KmsException.missing("external_key_id");
        }
        if (!isValidExternalKeyId(id)) {
            throw new KmsException(ErrorReason.INVALID_XKS_EXTERNAL_KEY_ID, "an external key id is 1-"
                    + MAX_EXTERNAL_KEY_ID_CHARS + " characters of A-Z, a-z, 0-9, '.', '_' and '-' (not '.' or '..')");
        }
        return id;
    }

    /** @throws KmsException MISSING_FIELD or {@link ErrorReason#INVALID_XKS_ACCESS_KEY_ID} */
    public static String requireAccessKeyId(String id) {
        if (id == null || id.isEmpty()) {
            throw KmsException.missing("access_key_id");
        }
        try {
            return XksCredentialRules.requireValidAccessKeyId(id);
        } catch (IllegalArgumentException e) {
            throw new KmsException(ErrorReason.INVALID_XKS_ACCESS_KEY_ID, e.getMessage());
        }
    }

    private static String require(String value, String field, boolean valid, String rule) {
        if (value == null || value.isEmpty()) {
            throw KmsException.missing(field);
        }
        if (!valid) {
            throw new KmsException(ErrorReason.INVALID_XKS_KEY_STORE, rule, Map.of("field", field));
        }
        return value;
    }
}
