package coffre.kms.server.config;

import java.nio.file.Path;

/**
 * mTLS material, PEM files: the server's certificate chain and PKCS#8 key, and the CA bundle
 * that client certificates must chain to.
 */
public record TlsSettings(Path certificate, Path privateKey, Path clientCa) {
}
