#!/usr/bin/env bash
# Makes (or reuses) a SoftHSM2 token for development:
#
#   DIR/softhsm2.conf   directories.tokendir = DIR/tokens, file object store, log level ERROR
#   DIR/tokens/         the token files
#   DIR/hsm.pin         the user PIN (random, mode 600)     -> hsm.pinFile in coffre.yaml
#   DIR/hsm.so-pin      the security officer PIN (mode 600)
#
# DIR has one user PIN and one SO PIN: a second token initialised in the same DIR gets the same ones.
# A token labelled LABEL is initialised only when none exists; re-running reuses it and its PINs.
# Use it with:  export SOFTHSM2_CONF=DIR/softhsm2.conf
# PINs are never printed. (softhsm2-util only takes them as arguments, so they are briefly
# visible in the process list while the token is initialised: fine for a dev token only.)
#
# Usage: deploy/dev/softhsm-token.sh DIR LABEL
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

usage() {
    printf 'usage: %s DIR LABEL\n' "$(coffre_prog)" >&2
    exit 2
}

# token_exists LABEL — true if a slot shows an initialised token with exactly this label.
token_exists() {
    local slots
    slots="$(softhsm2-util --show-slots 2>&1)" ||
        coffre_die "softhsm2-util --show-slots failed (SOFTHSM2_CONF=$SOFTHSM2_CONF):" "$slots"
    # Lines look like "    Label:            coffre-dev                      " (padded to 32 chars).
    awk -v want="$1" '
        /^[[:space:]]*Label:/ {
            value = $0
            sub(/^[[:space:]]*Label:[[:space:]]*/, "", value)
            sub(/[[:space:]]+$/, "", value)
            if (value == want) found = 1
        }
        END { exit found ? 0 : 1 }' <<<"$slots"
}

# write_secret FILE — a fresh random PIN (32 hex digits) in FILE, mode 600; prints nothing.
write_secret() {
    local file="$1" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    chmod 600 "$tmp"
    openssl rand -hex 16 | tr -d '\n' >"$tmp"
    [[ -s "$tmp" ]] || coffre_die "openssl rand produced no PIN for $file"
    mv -f "$tmp" "$file"
}

# write_if_changed FILE — replaces FILE by stdin only when the content differs.
write_if_changed() {
    local file="$1" tmp
    tmp="$(mktemp "$file.XXXXXX")"
    cat >"$tmp"
    if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
        rm -f -- "$tmp"
        return 1
    fi
    chmod 644 "$tmp"
    mv -f "$tmp" "$file"
}

main() {
    (($# == 2)) || usage
    [[ "$1" != -* && -n "$2" ]] || usage
    local label="$2"
    ((${#label} <= 32)) || coffre_die "token label '$label' is longer than 32 characters (PKCS#11 limit)"
    command -v softhsm2-util >/dev/null 2>&1 ||
        coffre_die "softhsm2-util not found: apt-get install softhsm2 (deploy/dev/start.sh does it)"
    command -v openssl >/dev/null 2>&1 ||
        coffre_die "openssl not found: apt-get install openssl (deploy/dev/start.sh does it)"

    umask 077
    mkdir -p -- "$1/tokens"
    local dir
    dir="$(cd -- "$1" && pwd -P)"
    chmod 700 "$dir" "$dir/tokens"

    if write_if_changed "$dir/softhsm2.conf" <<EOF; then
# SoftHSM2 configuration for Coffre development, written by deploy/dev/softhsm-token.sh.
# Use it with: export SOFTHSM2_CONF=$dir/softhsm2.conf
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
        coffre_info "wrote $dir/softhsm2.conf"
    fi
    export SOFTHSM2_CONF="$dir/softhsm2.conf"

    if token_exists "$label"; then
        if [[ ! -s "$dir/hsm.pin" ]]; then
            coffre_die "token '$label' exists in $dir/tokens but its PIN file $dir/hsm.pin is missing." \
                "A lost PIN cannot be recovered; to start over with a new, empty token:" \
                "  rm -rf '$dir/tokens' && $0 '$1' '$label'"
        fi
        chmod 600 "$dir/hsm.pin"
        [[ ! -f "$dir/hsm.so-pin" ]] || chmod 600 "$dir/hsm.so-pin"
        coffre_info "reusing SoftHSM2 token '$label' in $dir/tokens"
        return 0
    fi

    # PIN files already present (another token in DIR, or a token directory deleted by hand) are
    # reused: DIR has one user PIN and one SO PIN, whatever tokens it holds.
    [[ -s "$dir/hsm.pin" ]] || write_secret "$dir/hsm.pin"
    [[ -s "$dir/hsm.so-pin" ]] || write_secret "$dir/hsm.so-pin"
    chmod 600 "$dir/hsm.pin" "$dir/hsm.so-pin"
    local out
    if ! out="$(softhsm2-util --init-token --free --label "$label" \
        --pin "$(<"$dir/hsm.pin")" --so-pin "$(<"$dir/hsm.so-pin")" 2>&1)"; then
        coffre_die "softhsm2-util could not initialise token '$label':" "$out"
    fi
    token_exists "$label" || coffre_die "token '$label' was initialised but does not show in the slot list"
    coffre_info "initialised SoftHSM2 token '$label' in $dir/tokens (user PIN in $dir/hsm.pin, SO PIN in $dir/hsm.so-pin)"
}

main "$@"
