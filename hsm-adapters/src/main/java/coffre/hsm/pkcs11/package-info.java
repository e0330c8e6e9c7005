/**
 * The PKCS#11 implementation of {@link coffre.hsm.Hsm}, over the JDK's SunPKCS11 provider.
 *
 * <p>To open one: build a {@link coffre.hsm.pkcs11.Pkcs11HsmConfig} (profile name, optional library
 * path, {@link coffre.hsm.pkcs11.TokenSelector}, {@link coffre.hsm.pkcs11.PinSource}, session count,
 * optional session-copy override) and call {@link coffre.hsm.pkcs11.Pkcs11Hsm#open}. The JVM must
 * run with
 * {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED} (label lookup,
 * attributes, key generation, health) and, to load keys by handle and make session-object key
 * copies, {@code --add-opens jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED} (without it, keys
 * are loaded through the PKCS#11 {@code KeyStore}, which costs a listing of the token per new key).
 *
 * <p>One class per concern: {@link coffre.hsm.pkcs11.Pkcs11HsmConfig} (validated settings),
 * {@link coffre.hsm.pkcs11.HsmProfiles} (vendor data), {@code LoggedInToken} (library, slot,
 * provider and login: the one way a token is opened), {@link coffre.hsm.pkcs11.SunPkcs11ProviderFactory}
 * (provider configuration), {@code SlotResolver} (label to slot), {@code KeyTemplates} (attributes),
 * {@code Pkcs11Native} and {@code WrapperHandles} (calls into the JDK's PKCS#11 wrapper),
 * {@code KeyObjects} (label resolution and object management), {@code ProviderKeys} (key objects
 * from handles, through {@code TokenKeyLoader} or the KeyStore, and session copies from
 * {@code SessionKeyCopier}), {@code PooledOperations} (AES-GCM and random bytes on the operation
 * sessions of {@code SessionPool}), {@code MacKeys} (HMAC keys and MACs), {@code ObjectSession}
 * (object-management session), {@code IssuedKeyRef} (what every key reference carries),
 * {@link coffre.hsm.pkcs11.CkrErrorMapper} (CKR codes), {@code Pkcs11HealthProbe} (health).
 *
 * <p>Faults: {@link coffre.hsm.pkcs11.HsmTimeouts} (deadlines and intervals), {@code BoundedWait}
 * (no wait past {@code hsm.operationTimeout}), {@code HsmAvailability} (the breaker),
 * {@code LibraryCopies} (fresh library copies to re-initialise from), {@code ModuleOpener} (opens
 * each module generation), {@code ModuleSupervisor} (probes, marks down, re-initialises in the
 * background) and {@link coffre.hsm.pkcs11.RecoveringHsm}, which servers use: it wraps
 * {@code Pkcs11Hsm}, fails fast while the module is down and re-initialises it in the background.
 *
 * <p>Clients that sign with keys held on a token or smartcard (the CLI's officer keys) use
 * {@link coffre.hsm.pkcs11.TokenSigningKeys}, which opens its token through the same
 * {@code LoggedInToken} and stores a {@code SelfSignedCertificate} beside each key it makes.
 */
package coffre.hsm.pkcs11;
