#!/usr/bin/env bash
# Builds the container image and runs its checks (kms-dist's ContainerImageIT): layers and
# configuration of the image tar, then the server started from it with podman, read-only, on a
# SoftHSM2 token mounted in. Separate from deploy/dev/test.sh (and so from CI): ~4.5 minutes here
# (mvn package, ~1 min of image build once the Debian layer is cached, the reactor's verify).
#
#   deploy/image/test.sh [--no-build]      --no-build: use the image already in target/image
#
# Installs podman (and runc) from Debian when missing. On a host where podman's defaults cannot run
# a container (here: cgroups v1 in hybrid mode, no CAP_SYS_RESOURCE for raising rlimits), it falls
# back to `--runtime runc --cgroup-manager=cgroupfs` with rlimits below the host's.
# The closing summary is deploy/dev/test.sh's (Maven's counts, then the leak scan of the node's log).
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

main() {
    local build=1 image
    [[ "${1:-}" == --no-build ]] && build=0
    ((EUID == 0)) || coffre_die "the image test needs root (rootful podman)"
    coffre_ensure_packages podman runc
    if ((build)); then
        COFFRE_VERBOSE=1 coffre_find_jdk
        coffre_info "building the release archive: mvn -B -q package -DskipTests -pl kms-dist -am"
        coffre_mvn -q package -DskipTests -pl kms-dist -am || coffre_die "the build failed (see above)"
        image="$(bash "$COFFRE_ROOT/deploy/image/build.sh" | tail -n 1)"
    else
        image="$(ls -t "$COFFRE_ROOT"/target/image/coffre-kms-server-*.tar 2>/dev/null | head -n 1 || true)"
        [[ -n "$image" ]] || coffre_die "no image in target/image: run deploy/image/build.sh first"
    fi

    # What podman needs here: its defaults if they run a container, else the fallback.
    local options="" fallback="--runtime runc --cgroup-manager=cgroupfs --ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
    podman load -q -i "$image" >/dev/null
    local tag="docker.io/coffre/kms-server:$(basename "$image" .tar | sed 's/^coffre-kms-server-//')"
    if ! podman run --rm --pull=never --entrypoint /opt/java/bin/java "$tag" -version >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        podman run --rm --pull=never $fallback --entrypoint /opt/java/bin/java "$tag" -version >/dev/null ||
            coffre_die "podman cannot run a container here, even with: $fallback"
        options="$fallback"
        coffre_info "podman needs: $options"
    fi

    exec bash "$COFFRE_ROOT/deploy/dev/test.sh" -pl kms-dist -am -Dtest=none -Dit.test=ContainerImageIT \
        -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
        "-Dcoffre.image=$image" "-Dcoffre.podman.options=$options"
}

main "$@"
