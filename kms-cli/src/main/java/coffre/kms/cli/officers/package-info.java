/**
 * The commands that manage the server's officer registry and quorum rule: {@code coffre officers}
 * (list, add, suspend, reinstate, remove) and {@code coffre quorum}. An officer's own key and its
 * signatures are in {@link coffre.kms.cli.officerkeys}.
 */
package coffre.kms.cli.officers;
