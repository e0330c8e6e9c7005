#!/usr/bin/env bash
# Dev key officers for a local Coffre: three officers of two operators, their encrypted private
# keys and the signed init-ceremony document, all made offline with the coffre CLI.
#
#   deploy/dev/officers.sh DIR
#
# DIR/passphrase             random passphrase of the three dev officer keys (mode 600)
# DIR/{alice,bob,carol}.key  encrypted PKCS#8 private keys (+ .pub public keys)
#                            alice: Ed25519, operator op-a; bob: ECDSA P-256, op-a; carol: Ed25519, op-b
# DIR/ceremony.doc           the CeremonyDocument: these officers, rule "2 of 3, 1 from each operator"
# DIR/{alice,bob,carol}.sig  each officer's signature on it
#
# Re-running reuses what exists. Dev material only: real officers make their own keys, on their
# own machines or tokens, and sign the ceremony there.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

main() {
    (($# == 1)) || coffre_die "usage: deploy/dev/officers.sh DIR"
    local dir="$1" coffre="$COFFRE_ROOT/deploy/bin/coffre"
    umask 077
    mkdir -p "$dir"
    if [[ ! -s "$dir/passphrase" ]]; then
        openssl rand -hex 24 >"$dir/passphrase"
    fi
    local spec officers=() name algorithm operator
    for spec in alice:ed25519:op-a bob:ecdsa-p256:op-a carol:ed25519:op-b; do
        IFS=: read -r name algorithm operator <<<"$spec"
        if [[ ! -f "$dir/$name.key" ]]; then
            bash "$coffre" officer keygen --algorithm "$algorithm" --out "$dir/$name.key" \
                --passphrase-file "$dir/passphrase" >/dev/null
            coffre_info "made dev officer key $dir/$name.key ($algorithm, operator $operator)"
        fi
        officers+=(--officer "$name:Dev officer $name:$operator:spiffe://coffre.dev/officer/$name:$dir/$name.key.pub")
    done
    if [[ ! -f "$dir/ceremony.doc" ]]; then
        bash "$coffre" ceremony prepare "${officers[@]}" --threshold 2 --min-per-operator 1 \
            --out "$dir/ceremony.doc" >/dev/null
        rm -f "$dir"/*.sig
        coffre_info "prepared the dev init ceremony: 2 of 3 officers, at least 1 from each operator"
    fi
    for name in alice bob carol; do
        if [[ ! -f "$dir/$name.sig" ]]; then
            bash "$coffre" ceremony sign "$dir/ceremony.doc" --officer-id "$name" --officer-key "$dir/$name.key" \
                --passphrase-file "$dir/passphrase" --out "$dir/$name.sig" >/dev/null
        fi
    done
}

main "$@"
