#!/usr/bin/env bash
# Builds Coffre's container image without a Docker daemon or a registry (docs/packaging.md):
#
#   deploy/image/build.sh [--archive FILE] [--out DIR] [--refresh-base]
#
# Layers, bottom up:
#   1. Debian 12 (bookworm) from Debian's packages with mmdebstrap: the Essential set, merged /usr,
#      ca-certificates and libstdc++6 (HSM vendors' PKCS#11 libraries are mostly C++), user and group
#      coffre (10001), no apt, no HSM library (the operator mounts the vendor's; see below), no docs;
#   2. /opt/java: a jlinked Java runtime of the JDK this script finds (coffre_find_jdk), with the
#      modules jdeps finds in the server's and the CLI's class paths plus those loaded by name
#      (COFFRE_IMAGE_EXTRA_MODULES), and its own CDS archive;
#   3. /opt/coffre: the release archive (kms-dist/target/coffre-<version>.tar.gz, from mvn package)
#      without the load tool: bin/coffre-server (the entry point), bin/coffre, lib/, config/, sbom/,
#      plus sbom/image-os.cdx.json (the Debian packages and the Java runtime of layers 1-2).
# assembled as an OCI image with umoci, then written with skopeo as OUT/coffre-kms-server-<version>.tar
# (docker-archive: `podman load`, `docker load`, `kind load image-archive`, or pushed with
# `skopeo copy docker-archive:FILE docker://REGISTRY/...`), and as an OCI layout in OUT/oci.
#
# The image runs as 10001:10001 with a read-only root file system: it writes only to /tmp (JVM,
# Netty's native library, the HSM library's fresh copies) and /var/lib/coffre (the H2 store of a
# single node; vendor client state), both declared volumes. The HSM's PKCS#11 library is not in it:
# mount the vendor's client (e.g. at /opt/hsm-client, as deploy/k8s does) and set hsm.library.
#
# The Debian layer is cached in ${XDG_CACHE_HOME:-~/.cache}/coffre/image for 7 days (or until
# --refresh-base); the first build takes ~1-2 minutes more (mmdebstrap downloads ~25 MB).
# Needs root (mmdebstrap's root mode, file ownership in the layers) and Debian's mmdebstrap, umoci
# and skopeo (installed when missing).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

readonly IMAGE_NAME=coffre/kms-server
readonly IMAGE_UID=10001
readonly SUITE=bookworm
# Modules no static analysis finds: SunPKCS11 is a provider loaded by name from the configuration;
# jdk.crypto.ec holds EC for TLS on JDK 21 (JDK 22+ keep it as an empty module); jdk.charsets for
# a database in a legacy encoding; jdk.naming.dns for DNS SRV lookups through JNDI.
COFFRE_IMAGE_EXTRA_MODULES="${COFFRE_IMAGE_EXTRA_MODULES:-jdk.crypto.cryptoki,jdk.crypto.ec,jdk.charsets,jdk.naming.dns,jdk.management}"
readonly BASE_MAX_AGE_DAYS=7

usage() {
    cat >&2 <<EOF
usage: deploy/image/build.sh [--archive FILE] [--out DIR] [--refresh-base]
  --archive FILE   the release archive (default: the newest kms-dist/target/coffre-*.tar.gz; run mvn package first)
  --out DIR        where the image goes (default: target/image at the repository root)
  --refresh-base   rebuild the Debian layer even if a cached one is fresh
EOF
    exit 2
}

# step NAME — prints how long the previous step took and starts the next.
step() {
    local now=$SECONDS
    if [[ -n "${STEP_NAME:-}" ]]; then
        coffre_info "$STEP_NAME: $((now - STEP_START)) s"
    fi
    STEP_NAME="$1"
    STEP_START=$now
}

# base_layer CACHE REFRESH — prints the path of a cached Debian root file system tar, made if needed.
base_layer() {
    local cache="$1" refresh="$2" spec key tar
    local options=(--variant=essential --include=ca-certificates,libstdc++6
        --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=output/dev
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
        --dpkgopt='path-exclude=/usr/share/locale/*')
    # The user, and the directories a read-only root needs to exist (mounted over at run time).
    local hook="echo 'coffre:x:$IMAGE_UID:$IMAGE_UID:Coffre:/nonexistent:/usr/sbin/nologin' >>\"\$1/etc/passwd\" &&
        echo 'coffre:x:$IMAGE_UID:' >>\"\$1/etc/group\" &&
        echo 'coffre:!:19000::::::' >>\"\$1/etc/shadow\" &&
        install -d -m 0700 -o $IMAGE_UID -g $IMAGE_UID \"\$1/var/lib/coffre\" &&
        install -d -m 0755 \"\$1/etc/coffre\" \"\$1/opt/hsm-client\" &&
        rm -rf \"\$1/var/cache/\"* \"\$1/var/log/\"*"
    spec="$(printf '%s\n' "$SUITE" "${options[@]}" "$hook")"
    key="$(printf '%s' "$spec" | sha256sum | cut -c1-16)"
    tar="$cache/debian-$SUITE-$key.tar"
    if [[ -f "$tar" && -s "$tar" && "$refresh" == 0 && -z "$(find "$tar" -mtime +"$BASE_MAX_AGE_DAYS")" ]]; then
        coffre_info "reusing the Debian layer $tar"
    else
        coffre_info "making the Debian layer with mmdebstrap (downloads ~25 MB from Debian)"
        mkdir -p "$cache"
        # mmdebstrap picks its output format from the name: keep .tar at the end.
        mmdebstrap --quiet "${options[@]}" --customize-hook="$hook" "$SUITE" "$tar.new.tar" >&2 ||
            coffre_die "mmdebstrap failed (see above)"
        mv -f "$tar.new.tar" "$tar"
    fi
    printf '%s\n' "$tar"
}

# runtime_modules APP — the Java modules the server and the CLI need: jdeps over each program's
# class path, plus COFFRE_IMAGE_EXTRA_MODULES.
runtime_modules() {
    local app="$1" program jars=() classpath modules="$COFFRE_IMAGE_EXTRA_MODULES" found
    for program in kms-server kms-cli; do
        mapfile -t jars < <(sed -e '/^$/d' -e "s|^|$app/lib/|" "$app/lib/$program.classpath")
        classpath="$(IFS=:; printf '%s' "${jars[*]:1}")"
        found="$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release "$COFFRE_JAVA_MAJOR" \
            -R --class-path "$classpath" "${jars[0]}")" || coffre_die "jdeps failed on $program"
        modules="$modules,$found"
    done
    tr ',' '\n' <<<"$modules" | sed '/^$/d' | sort -u | paste -sd,
}

# os_sbom ROOTFS_TAR RUNTIME — a CycloneDX bom of the Debian packages and the Java runtime.
os_sbom() {
    local rootfs="$1" runtime="$2" status
    status="$(mktemp)"
    tar -xOf "$rootfs" ./var/lib/dpkg/status >"$status"
    "$JAVA_HOME/bin/java" "$COFFRE_ROOT/deploy/image/ImageSbom.java" "$status" "$runtime/release"
    rm -f "$status"
}

# layer_tar DIR PATH TAR — a layer tar holding DIR's content at PATH (relative, e.g. opt/java).
layer_tar() {
    local dir="$1" path="$2" tar="$3" stage
    stage="$(dirname "$tar")/stage-$(basename "$tar" .tar)"
    mkdir -p "$stage/$(dirname "$path")"
    cp -a "$dir" "$stage/$path"
    tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --format=pax \
        --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf "$tar" "$path"
    rm -rf "$stage"
}

main() {
    local archive="" out="$COFFRE_ROOT/target/image" refresh=0
    while (($# > 0)); do
        case "$1" in
            --archive) (($# >= 2)) || usage; archive="$2"; shift 2 ;;
            --out) (($# >= 2)) || usage; out="$2"; shift 2 ;;
            --refresh-base) refresh=1; shift ;;
            -h | --help) usage ;;
            *) printf 'build.sh: unknown argument: %s\n' "$1" >&2; usage ;;
        esac
    done
    ((EUID == 0)) || coffre_die "building the image needs root (mmdebstrap, and root-owned files in its layers)"
    if [[ -z "$archive" ]]; then
        archive="$(ls -t "$COFFRE_ROOT"/kms-dist/target/coffre-*.tar.gz 2>/dev/null | head -n 1 || true)"
        [[ -n "$archive" ]] || coffre_die "no release archive in kms-dist/target/: build it first:" \
            "  mvn -B package -DskipTests -pl kms-dist -am"
    fi
    [[ -f "$archive" ]] || coffre_die "no release archive at $archive"
    coffre_ensure_packages mmdebstrap umoci skopeo
    COFFRE_VERBOSE=1 coffre_find_jdk
    [[ -x "$JAVA_HOME/bin/jlink" && -x "$JAVA_HOME/bin/jdeps" ]] || coffre_die "$JAVA_HOME is not a full JDK (no jlink or jdeps)"

    local started=$SECONDS version tag cache="${XDG_CACHE_HOME:-$HOME/.cache}/coffre/image"
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    local work="$WORK"
    version="$(basename "$archive" .tar.gz)"
    version="${version#coffre-}"
    tag="$IMAGE_NAME:$version"

    step "Debian layer"
    local rootfs
    rootfs="$(base_layer "$cache" "$refresh")"

    step "application layer"
    local app="$work/app/coffre"
    mkdir -p "$work/app"
    tar -xzf "$archive" -C "$work/app"
    mv "$work/app/coffre-$version" "$app"
    # Without the load tool: the jars only its class path names, its launcher and its bom.
    comm -23 <(sort -u "$app/lib/kms-loadtest.classpath") <(sort -u "$app/lib/kms-server.classpath" "$app/lib/kms-cli.classpath") |
        sed -e '/^$/d' -e "s|^|$app/lib/|" | xargs -r rm -f
    rm -f "$app/lib/kms-loadtest.classpath" "$app/bin/coffre-loadtest" "$app/sbom/kms-loadtest.cdx.json"
    chown -R 0:0 "$app"
    chmod -R go-w "$app"

    step "Java runtime (jdeps, jlink)"
    local modules runtime="$work/java"
    modules="$(runtime_modules "$app")"
    coffre_info "runtime modules: $modules"
    "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
        --compress=zip-6 --generate-cds-archive --output "$runtime" ||
        coffre_die "jlink failed (see above)"
    "$runtime/bin/java" -version >/dev/null 2>&1 || coffre_die "the jlinked runtime does not start"
    os_sbom "$rootfs" "$runtime" >"$app/sbom/image-os.cdx.json"

    step "OCI image (umoci)"
    local oci="$work/oci" ref
    ref="$oci:$version"
    umoci init --layout "$oci"
    umoci new --image "$ref"
    umoci raw add-layer --image "$ref" --history.created_by "mmdebstrap $SUITE (deploy/image/build.sh)" "$rootfs"
    # Layers as plain tars made here (`umoci insert` 0.4.7 wrote truncated layers: no tar trailer,
    # the last file cut short), root-owned, in name order.
    layer_tar "$runtime" opt/java "$work/java.tar"
    layer_tar "$app" opt/coffre "$work/coffre.tar"
    umoci raw add-layer --image "$ref" --history.created_by "jlink --add-modules $modules" "$work/java.tar"
    umoci raw add-layer --image "$ref" --history.created_by "coffre-$version.tar.gz without the load tool" "$work/coffre.tar"
    umoci config --image "$ref" --author "Coffre" \
        --config.user "$IMAGE_UID:$IMAGE_UID" \
        --config.entrypoint /opt/coffre/bin/coffre-server \
        --config.cmd --config --config.cmd /etc/coffre/coffre.yaml \
        --config.workingdir /var/lib/coffre \
        --config.env JAVA_HOME=/opt/java \
        --config.env PATH=/opt/coffre/bin:/opt/java/bin:/usr/bin:/bin \
        --config.env COFFRE_CACHE_DIR=/tmp/coffre-cache \
        --config.volume /tmp --config.volume /var/lib/coffre \
        --config.exposedports 8443/tcp --config.exposedports 8081/tcp \
        --config.label "org.opencontainers.image.title=Coffre KMS node" \
        --config.label "org.opencontainers.image.version=$version" \
        --config.label "org.opencontainers.image.base.name=debian:$SUITE (mmdebstrap)" \
        --config.stopsignal SIGTERM \
        --history.created_by "umoci config (deploy/image/build.sh)"
    umoci gc --layout "$oci"

    step "docker-archive (skopeo)"
    local file="$out/coffre-kms-server-$version.tar"
    mkdir -p "$out"
    rm -rf "$out/oci" "$file"
    skopeo --insecure-policy copy --quiet "oci:$ref" "docker-archive:$file:$tag"
    cp -a "$oci" "$out/oci"
    cp "$app/sbom/image-os.cdx.json" "$out/coffre-kms-server-$version.os.cdx.json"
    step ""
    coffre_info "built $tag in $((SECONDS - started)) s: $file ($(du -h "$file" | cut -f1)), OCI layout $out/oci"
    printf '%s\n' "$file"
}

main "$@"
