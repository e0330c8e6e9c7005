package coffre.kms.tink;

import coffre.kms.client.CoffreClient;
import coffre.kms.client.CoffreCredentials;
import coffre.kms.client.CredentialsException;
import coffre.kms.client.TlsMaterialException;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KmsClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Google Tink's {@link KmsClient} for Coffre keys: {@code coffre://key-...} and
 * {@code coffre://alias/NAME}. It lets a service already written against Tink (its
 * {@code KmsEnvelopeAead}, or keysets stored encrypted under a KMS key) use Coffre as it would AWS
 * or Google Cloud KMS.
 *
 * <pre>{@code
 * CoffreKmsClient kms = new CoffreKmsClient().withCredentials("/etc/billing/coffre.properties");
 * Aead remote = kms.getAead("coffre://alias/orders");
 * Aead envelope = KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM, remote);
 * byte[] ciphertext = envelope.encrypt(record, recordId);
 * }</pre>
 *
 * <p>Credentials: {@link #withCredentials(String)} reads a properties file,
 * {@link #withDefaultCredentials()} the {@code COFFRE_*} environment variables (both described on
 * {@link CoffreCredentials}); {@link #using(CoffreClient)} takes a client the service already has.
 * A client is given credentials once: a second call is refused rather than dropping the first
 * client's connections under Aeads already handed out. The Aeads are {@link CoffreAead}s.
 *
 * <p>A client made with {@link #CoffreKmsClient(String)} is bound to one key URI and supports only
 * that one (Tink's convention); one made with {@link #CoffreKmsClient()} supports every Coffre URI.
 * Thread-safe. {@link #close()} closes the connections it opened (not those of a client given to
 * {@link #using}).
 */
public final class CoffreKmsClient implements KmsClient, AutoCloseable {

    private final CoffreKeyUri boundKey;
    private final UnaryOperator<String> environment;
    private CoffreClient client;
    private boolean ownsClient;

    /** A client for every {@code coffre://} key URI; give it credentials before {@link #getAead}. */
    public CoffreKmsClient() {
        this(null, System::getenv);
    }

    /**
     * A client for {@code keyUri} only.
     *
     * @throws GeneralSecurityException if {@code keyUri} is not a Coffre key URI
     */
    public CoffreKmsClient(String keyUri) throws GeneralSecurityException {
        this(CoffreKeyUri.parse(keyUri), System::getenv);
    }

    /** For tests: the environment that {@link #withDefaultCredentials()} reads. */
    CoffreKmsClient(CoffreKeyUri boundKey, UnaryOperator<String> environment) {
        this.boundKey = boundKey;
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** A client for every {@code coffre://} key URI calling through {@code client}, which the caller keeps owning. */
    public static CoffreKmsClient using(CoffreClient client) {
        CoffreKmsClient kms = new CoffreKmsClient();
        kms.client = Objects.requireNonNull(client, "client");
        return kms;
    }

    /**
     * True for a well-formed Coffre key URI (for a bound client: for its own URI only).
     */
    @Override
    public boolean doesSupport(String keyUri) {
        if (boundKey != null) {
            return boundKey.uri().equals(keyUri);
        }
        return CoffreKeyUri.isValid(keyUri);
    }

    /**
     * Connects with the settings of a properties file ({@link CoffreCredentials#fromFile}); a null
     * path means {@link #withDefaultCredentials()}, as Tink's contract says.
     *
     * @return this client
     * @throws GeneralSecurityException if the file is missing, incomplete or wrong, a PEM file cannot
     *     be loaded, or this client already has credentials
     */
    @Override
    public synchronized CoffreKmsClient withCredentials(String credentialPath) throws GeneralSecurityException {
        if (credentialPath == null) {
            return withDefaultCredentials();
        }
        refuseSecondCredentials();
        try {
            return connect(CoffreCredentials.fromFile(Path.of(credentialPath)));
        } catch (CredentialsException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    /**
     * Connects with the {@code COFFRE_*} environment variables ({@link CoffreCredentials#fromEnvironment}).
     *
     * @return this client
     * @throws GeneralSecurityException if a variable is missing or wrong, a PEM file cannot be
     *     loaded, or this client already has credentials
     */
    @Override
    public synchronized CoffreKmsClient withDefaultCredentials() throws GeneralSecurityException {
        refuseSecondCredentials();
        try {
            return connect(CoffreCredentials.fromEnvironment(environment));
        } catch (CredentialsException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    /**
     * An {@link Aead} that wraps and unwraps under {@code keyUri}'s key.
     *
     * @throws GeneralSecurityException if the URI is not one this client supports, or no credentials
     *     were given
     */
    @Override
    public synchronized Aead getAead(String keyUri) throws GeneralSecurityException {
        CoffreKeyUri key = CoffreKeyUri.parse(keyUri);
        if (boundKey != null && !boundKey.equals(key)) {
            throw new GeneralSecurityException("this CoffreKmsClient is bound to " + boundKey + ", not to " + keyUri);
        }
        if (client == null) {
            throw new GeneralSecurityException(
                    "this CoffreKmsClient has no credentials: call withCredentials(path) or withDefaultCredentials()");
        }
        return new CoffreAead(client, key);
    }

    /** Closes the connections this client opened; the Aeads it gave then fail. */
    @Override
    public synchronized void close() {
        if (ownsClient) {
            client.close();
        }
    }

    private void refuseSecondCredentials() throws GeneralSecurityException {
        if (client != null) {
            throw new GeneralSecurityException("this CoffreKmsClient already has credentials; make another one");
        }
    }

    private CoffreKmsClient connect(CoffreCredentials credentials) throws GeneralSecurityException {
        try {
            client = credentials.open();
        } catch (TlsMaterialException e) {
            throw new GeneralSecurityException("cannot load the TLS material for Coffre: " + e.getMessage(), e);
        }
        ownsClient = true;
        return this;
    }
}
