/**
 * An officer's own signing key, on the officer's machine: {@code coffre officer keygen}, the
 * passphrase-encrypted key file and its public key file, keys kept on a PKCS#11 token, and the
 * signing of votes, ceremony documents and act-now orders with that key.
 *
 * <p>Named apart from {@link coffre.kms.cli.officers}, which manages the server's officer
 * registry: the two used to differ by one letter ({@code officer/}, {@code officers/}).
 */
package coffre.kms.cli.officerkeys;
