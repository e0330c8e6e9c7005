#!/usr/bin/env bash
# Makes (or reuses) a development PKI for Coffre's mutual TLS:
#
#   DIR/ca.pem       DIR/ca.key        "Coffre dev CA", EC P-256, 10 years
#   DIR/server.pem   DIR/server.key    SAN DNS:localhost, IP:127.0.0.1; serverAuth
#   DIR/admin.pem    DIR/admin.key     SAN URI:spiffe://coffre.dev/admin, CN coffre-admin; clientAuth
#   DIR/service.pem  DIR/service.key   SAN URI:spiffe://coffre.dev/service/demo,
#                                      CN coffre-demo-service; clientAuth
#
# Private keys are unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"; Netty and Vert.x read only that),
# mode 600. Re-running keeps every file that is still good: a certificate is remade only when it
# or its key is missing, it no longer verifies against ca.pem, its key does not match, or it
# expires within 30 days. For development only: nothing here is ever committed or shipped.
#
# Usage: deploy/dev/pki.sh DIR
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

readonly CA_DAYS=3650
readonly LEAF_DAYS=825
readonly RENEW_BEFORE_SECONDS=$((30 * 24 * 3600))

usage() {
    printf 'usage: %s DIR\n' "$(coffre_prog)" >&2
    exit 2
}

# new_key FILE — a fresh EC P-256 private key as unencrypted PKCS#8 PEM, mode 600.
new_key() {
    local file="$1" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp" 2>/dev/null ||
        coffre_die "openssl could not generate an EC P-256 key for $file"
    chmod 600 "$tmp"
    mv -f "$tmp" "$file"
}

# key_is_pkcs8 FILE — true if FILE holds an unencrypted PKCS#8 PEM private key.
key_is_pkcs8() {
    [[ -f "$1" ]] && head -n 1 "$1" | grep -qx -- '-----BEGIN PRIVATE KEY-----' &&
        openssl pkey -in "$1" -noout -passin pass: 2>/dev/null
}

# cert_matches_key CERT KEY — true if CERT's public key is KEY's.
cert_matches_key() {
    local cert_pub key_pub
    cert_pub="$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null)" || return 1
    key_pub="$(openssl pkey -in "$2" -pubout 2>/dev/null)" || return 1
    [[ -n "$cert_pub" && "$cert_pub" == "$key_pub" ]]
}

# cert_fresh CERT — true if CERT parses and is valid for at least another 30 days.
cert_fresh() {
    openssl x509 -in "$1" -noout -checkend "$RENEW_BEFORE_SECONDS" >/dev/null 2>&1
}

# random_serial — a positive 124-bit serial in hex (0x1 followed by 30 random hex digits).
random_serial() {
    printf '0x1%s' "$(openssl rand -hex 15)"
}

ensure_ca() {
    if [[ -f ca.pem ]] && key_is_pkcs8 ca.key && cert_matches_key ca.pem ca.key && cert_fresh ca.pem; then
        coffre_info "reusing CA $DIR/ca.pem"
        return 0
    fi
    coffre_info "creating CA \"Coffre dev CA\" in $DIR"
    new_key ca.key
    cat >"$WORK/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = Coffre dev CA
[ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    openssl req -new -x509 -config "$WORK/ca.cnf" -key ca.key -sha256 -days "$CA_DAYS" \
        -set_serial "$(random_serial)" -out "$WORK/ca.pem" 2>/dev/null ||
        coffre_die "openssl could not create the CA certificate"
    chmod 644 "$WORK/ca.pem"
    mv -f "$WORK/ca.pem" ca.pem
}

# ensure_leaf NAME CN EKU SAN — NAME.pem/NAME.key signed by the CA, unless the present ones are good.
ensure_leaf() {
    local name="$1" cn="$2" eku="$3" san="$4"
    if [[ -f "$name.pem" ]] && key_is_pkcs8 "$name.key" && cert_matches_key "$name.pem" "$name.key" &&
        cert_fresh "$name.pem" && openssl verify -CAfile ca.pem "$name.pem" >/dev/null 2>&1; then
        coffre_info "reusing $DIR/$name.pem"
        return 0
    fi
    coffre_info "creating $DIR/$name.pem (CN $cn, $san)"
    new_key "$name.key"
    cat >"$WORK/$name.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = $cn
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = $eku
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl req -new -config "$WORK/$name.cnf" -key "$name.key" -sha256 -out "$WORK/$name.csr" 2>/dev/null ||
        coffre_die "openssl could not create the request for $name"
    openssl x509 -req -in "$WORK/$name.csr" -CA ca.pem -CAkey ca.key -sha256 -days "$LEAF_DAYS" \
        -set_serial "$(random_serial)" -extfile "$WORK/$name.cnf" -extensions ext \
        -out "$WORK/$name.pem" 2>/dev/null ||
        coffre_die "openssl could not sign the certificate for $name"
    chmod 644 "$WORK/$name.pem"
    mv -f "$WORK/$name.pem" "$name.pem"
}

main() {
    (($# == 1)) || usage
    [[ "$1" != -* ]] || usage
    command -v openssl >/dev/null 2>&1 ||
        coffre_die "openssl not found: apt-get install openssl (deploy/dev/start.sh does it)"

    mkdir -p -- "$1"
    DIR="$(cd -- "$1" && pwd -P)"
    chmod 700 "$DIR"
    cd "$DIR"
    # Keys are created 600 through umask too, so no key file is ever readable by others, even briefly.
    umask 077
    WORK="$(mktemp -d)"
    trap 'rm -rf -- "$WORK"' EXIT

    ensure_ca
    ensure_leaf server localhost serverAuth "DNS:localhost, IP:127.0.0.1"
    ensure_leaf admin coffre-admin clientAuth "URI:spiffe://coffre.dev/admin"
    ensure_leaf service coffre-demo-service clientAuth "URI:spiffe://coffre.dev/service/demo"

    # Repair modes left by hand edits; harmless when already right.
    chmod 600 ca.key server.key admin.key service.key
    chmod 644 ca.pem server.pem admin.pem service.pem
    coffre_info "dev PKI ready in $DIR"
}

main "$@"
