#!/usr/bin/env bash
# Checks deploy/monitoring/ with Prometheus's own tool (deploy/dev/test.sh, and so CI, runs it):
#
#   deploy/monitoring/check.sh
#
# - promtool check rules  coffre-alerts.yml       (syntax, PromQL, templates)
# - promtool test rules   coffre-alerts.test.yml  (each alert fires, and does not, when it should)
# - promtool check config prometheus.yml          (the example scrape configuration and its rules)
#
# The metric names that the rules and the Grafana dashboard use are checked against
# metric-names.txt by kms-server's MonitoringFilesTest, with the rest of the test suite.
#
# promtool comes from PATH, else from Debian's `prometheus` package, unpacked (not installed) into
# a cache directory: installing it would also start a Prometheus server (its init script listens on
# every interface, port 9090) on developer and CI machines, which only need the one static binary.
# Unpacking needs root the first time (apt-get download); later runs reuse the cache.
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../lib/common.sh"

MONITORING="$COFFRE_ROOT/deploy/monitoring"

# find_promtool — prints the path of a promtool, unpacking Debian's package into the cache if needed.
find_promtool() {
    if command -v promtool >/dev/null 2>&1; then
        command -v promtool
        return 0
    fi
    local cache="${COFFRE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/coffre}/promtool"
    if [[ -x "$cache/usr/bin/promtool" ]]; then
        printf '%s\n' "$cache/usr/bin/promtool"
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
        coffre_die "promtool not found, and this is not a Debian-based system: install Prometheus's promtool on PATH"
    fi
    if ((EUID != 0)); then
        coffre_die "promtool not found" \
            "run this script once as root (it unpacks Debian's prometheus package into $cache)," \
            "or put a promtool on PATH"
    fi
    local work
    work="$(mktemp -d)"
    # apt-get download writes into the current directory; as root it warns that _apt cannot read it.
    if ! (cd "$work" && apt-get download -q prometheus >&2 2>/dev/null); then
        coffre_info "updating the package lists to download Debian's prometheus package"
        apt-get update -q >&2 || coffre_die "apt-get update failed (see above)"
        (cd "$work" && apt-get download -q prometheus >&2) || coffre_die "apt-get download prometheus failed (see above)"
    fi
    mkdir -p "$cache.tmp.$$"
    dpkg-deb -x "$work"/prometheus_*.deb "$cache.tmp.$$"
    rm -rf "$work" "$cache"
    # Only promtool is kept; moved into place whole, so a concurrent run never sees half of it.
    mkdir -p "$cache.tmp.$$.keep/usr/bin"
    mv "$cache.tmp.$$/usr/bin/promtool" "$cache.tmp.$$.keep/usr/bin/promtool"
    rm -rf "$cache.tmp.$$"
    mv "$cache.tmp.$$.keep" "$cache" 2>/dev/null || rm -rf "$cache.tmp.$$.keep"
    coffre_info "promtool unpacked into $cache ($("$cache/usr/bin/promtool" --version 2>&1 | head -n 1))"
    printf '%s\n' "$cache/usr/bin/promtool"
}

main() {
    local promtool
    promtool="$(find_promtool)"
    if [[ "${1:-}" == "--print-promtool" ]]; then
        # For deploy/dev/test.sh: MetricsIT lints /metrics with the same promtool (COFFRE_PROMTOOL).
        printf '%s\n' "$promtool"
        return
    fi
    cd "$MONITORING"
    coffre_info "checking deploy/monitoring/ with $("$promtool" --version 2>&1 | head -n 1)"
    "$promtool" check rules coffre-alerts.yml
    "$promtool" test rules coffre-alerts.test.yml
    "$promtool" check config prometheus.yml
    coffre_info "deploy/monitoring/: rules, rule tests and the example configuration pass"
}

main "$@"
