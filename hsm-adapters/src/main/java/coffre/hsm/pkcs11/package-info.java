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
 * {@link coffre.hsm.pkcs11.HsmProfiles} (vendor data), {@link coffre.hsm.pkcs11.SunPkcs11ProviderFactory}
 * (provider configuration), {@code SlotResolver} (label to slot), {@code KeyTemplates} (attributes),
 * {@code SessionPool} (operation sessions), {@code ObjectSession} (object-management session),
 * {@code TokenKeyLoader} (key objects from handles), {@code SessionKeyCopier} (session copies), {@link coffre.hsm.pkcs11.CkrErrorMapper} (CKR codes),
 * {@code Pkcs11HealthProbe} (health), {@code MacKeys} (HMAC keys and MACs).
 *
 * <p>Faults: {@link coffre.hsm.pkcs11.HsmTimeouts} (deadlines and intervals), {@code BoundedWait}
 * (no wait past {@code hsm.operationTimeout}), {@code HsmAvailability} (the breaker),
 * {@code LibraryCopies} (fresh library copies to re-initialise from) and
 * {@link coffre.hsm.pkcs11.RecoveringHsm}, which servers use: it wraps {@code Pkcs11Hsm}, fails fast
 * while the module is down and re-initialises it in the background.
 */
package coffre.hsm.pkcs11;
