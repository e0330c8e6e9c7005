# shellcheck shell=bash
# The dev and test HSM with RSA-OAEP SHA-256: SoftHSM 2.6.1 rebuilt from Debian's own source
# package with deploy/dev/softhsm/oaep-sha256.patch. Sourced by deploy/lib/common.sh users.
#
# Why: Coffre decrypts RSA-OAEP with SHA-256 and MGF1-SHA-256 inside the HSM (CKM_RSA_PKCS_OAEP,
# what Microsoft DKE's RSA-OAEP-256 needs), and every production HSM does that, but the SoftHSM
# of Debian 12 implements CKM_RSA_PKCS_OAEP with SHA-1 only (C_DecryptInit answers
# CKR_ARGUMENTS_BAD for SHA-256; SoftHSMv2 issue #474, fixed upstream after 2.6.1). The patch adds
# SHA-256/MGF1-SHA-256 decryption with an empty label and changes nothing else (same mechanisms,
# same token files). Only the library is replaced; softhsm2-util and the token format stay Debian's.
#
# How: the source comes from Debian's archive (apt-get source; the orig tarball's SHA-256 is
# pinned below), is built once per patch into a cache, and installed with dpkg-divert: the Debian
# file is moved aside (not overwritten: running processes keep the copy they mapped) and the
# patched one renamed into its place. `dpkg-divert --rename --remove` on the path undoes it.

COFFRE_SOFTHSM_LIB=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
COFFRE_SOFTHSM_ORIG_SHA256=ac9ac1e3f4402f88bf3e626a18f070f8031c031947ed469c6e17482495ec72b6
COFFRE_SOFTHSM_BUILD_PACKAGES=(g++ make libssl-dev pkg-config)

# coffre_softhsm_oaep_ready [LIB] — true if LIB (default: the installed library) decrypts OAEP
# with SHA-256, i.e. carries the patch (whose marker string the stock library lacks).
coffre_softhsm_oaep_ready() {
    grep -q 'COFFRE_OAEP_SHA256' "${1:-$COFFRE_SOFTHSM_LIB}" 2>/dev/null
}

# coffre_ensure_softhsm_oaep — installs the patched library unless it is there already (root only;
# builds it first if the cache has none: a few minutes on 2 cores, once per machine).
coffre_ensure_softhsm_oaep() {
    coffre_softhsm_oaep_ready && return 0
    ((EUID == 0)) || coffre_die "SoftHSM lacks RSA-OAEP SHA-256; installing the patched build needs root:" \
        "  sudo bash -c 'source $COFFRE_ROOT/deploy/lib/common.sh && source $COFFRE_ROOT/deploy/lib/softhsm-oaep.sh && coffre_ensure_softhsm_oaep'"
    local patch="$COFFRE_ROOT/deploy/dev/softhsm/oaep-sha256.patch" key cache built
    key="$(sha256sum "$patch" | cut -c1-16)"
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/coffre/softhsm-2.6.1-oaep-$key"
    built="$cache/libsofthsm2.so"
    if ! coffre_softhsm_oaep_ready "$built"; then
        coffre_softhsm_oaep_build "$patch" "$cache"
    fi
    if ! dpkg-divert --list "$COFFRE_SOFTHSM_LIB" | grep -q .; then
        dpkg-divert --quiet --local --rename --divert "$COFFRE_SOFTHSM_LIB.debian" --add "$COFFRE_SOFTHSM_LIB" ||
            coffre_die "dpkg-divert of $COFFRE_SOFTHSM_LIB failed"
    fi
    install -m 644 "$built" "$COFFRE_SOFTHSM_LIB.coffre-new"
    mv -f "$COFFRE_SOFTHSM_LIB.coffre-new" "$COFFRE_SOFTHSM_LIB"
    coffre_info "installed SoftHSM 2.6.1 with RSA-OAEP SHA-256 (deploy/dev/softhsm/oaep-sha256.patch) at $COFFRE_SOFTHSM_LIB"
}

# coffre_softhsm_oaep_build PATCH DIR — fetches the Debian source, applies PATCH, builds the
# library into DIR/libsofthsm2.so.
coffre_softhsm_oaep_build() {
    local patch="$1" cache="$2" work src
    coffre_ensure_packages "${COFFRE_SOFTHSM_BUILD_PACKAGES[@]}"
    work="$(mktemp -d)"
    coffre_info "building SoftHSM 2.6.1 with RSA-OAEP SHA-256 in $work (once; cached in $cache)"
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
        # Debian's own source packages, from the archive the machine already uses.
        sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
            >/etc/apt/sources.list.d/coffre-debian-src.sources
        apt-get update -q >&2 || coffre_die "apt-get update failed (see above)"
    fi
    # apt-get verifies each file it fetches against the archive's signed index. Only the upstream
    # tarball is needed (Debian's packaging files are not), so a failure on those is tolerated
    # once the tarball is there and matches the pinned hash.
    (cd "$work" && apt-get source --download-only -q softhsm2 >"$work/apt-source.log" 2>&1) || true
    [[ -f "$work/softhsm2_2.6.1.orig.tar.gz" ]] ||
        coffre_die "apt-get source softhsm2 fetched no softhsm2_2.6.1.orig.tar.gz:" "$(tail -5 "$work/apt-source.log")"
    echo "$COFFRE_SOFTHSM_ORIG_SHA256  $work/softhsm2_2.6.1.orig.tar.gz" | sha256sum -c --quiet ||
        coffre_die "softhsm2_2.6.1.orig.tar.gz does not have the pinned SHA-256"
    src="$work/src"
    mkdir -p "$src"
    tar xzf "$work/softhsm2_2.6.1.orig.tar.gz" -C "$src" --strip-components=1
    (cd "$src" && patch -s -p1 <"$patch") || coffre_die "the SoftHSM patch does not apply"
    (cd "$src" && ./configure -q --with-crypto-backend=openssl --enable-ecc --enable-eddsa --disable-gost \
        --disable-p11-kit --disable-static --disable-strict --sysconfdir=/etc/softhsm --localstatedir=/var \
        >"$work/configure.log" 2>&1) || coffre_die "configuring SoftHSM failed:" "$(tail -20 "$work/configure.log")"
    nice make -s -j"$(nproc)" -C "$src/src/lib" >"$work/make.log" 2>&1 ||
        coffre_die "building SoftHSM failed:" "$(tail -20 "$work/make.log")"
    coffre_softhsm_oaep_ready "$src/src/lib/.libs/libsofthsm2.so" || coffre_die "the built SoftHSM lacks the patch"
    mkdir -p "$cache"
    install -m 644 "$src/src/lib/.libs/libsofthsm2.so" "$cache/libsofthsm2.so"
    strip --strip-debug "$cache/libsofthsm2.so" 2>/dev/null || true # built with -g: 11 MB, 0.9 MB without
    rm -rf "$work"
}
