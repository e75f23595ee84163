#!/usr/bin/env bash
# Builds the Dockerfile with no Docker daemon and tests the image.
#
#   tests/container/build.sh [--gate HOST_GATE]
#
# The base image is made here: `debootstrap --variant=minbase bookworm`
# from the Debian mirror, kept as a tarball in the cache directory
# ($GATE_CONTAINER_CACHE, else ~/.cache/gate-container) and imported into
# buildah's store as localhost/gate-base:bookworm; it stands in for both
# debian:bookworm and debian:bookworm-slim.  `buildah bud --isolation chroot
# --layers` builds the Dockerfile on it (the build stage runs the unit
# tests), then the image is checked: its config, `gate --version`,
# `gate hash --tar` on a fixture (equal to the reference hash and to
# HOST_GATE's), and `gate hash IMAGE` and `gate verify` against Debian's
# docker-registry on 127.0.0.1, as the image's non-root user with /cache as
# its cache (tests/container/image_registry.py).
#
# Exit status: 0 passed, 1 failed, 77 skipped because buildah cannot run
# here (not installed, not root, or no working OCI runtime); a skip says so
# on stderr.  Environment: GATE_CONTAINER_CACHE, GATE_DEBIAN_MIRROR,
# GATE_DEBIAN_SECURITY_MIRROR, BUILDAH_RUNTIME (default runc: crun fails on
# some kernels), GATE_CONTAINER_JOBS (make jobs inside the build, default 2).
set -euo pipefail

SKIP=77
src=$(cd "$(dirname "$0")/../.." && pwd)
here="$src/tests/container"
cache=${GATE_CONTAINER_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/gate-container}
mirror=${GATE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${GATE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
runtime=${BUILDAH_RUNTIME:-runc}
jobs=${GATE_CONTAINER_JOBS:-2}
base=localhost/gate-base:bookworm
image=localhost/gate:test
host_gate=

while [ $# -gt 0 ]; do
	case $1 in
	--gate) host_gate=$2; shift 2 ;;
	*) echo "usage: $0 [--gate HOST_GATE]" >&2; exit 2 ;;
	esac
done

skip() {
	{
		echo "################################################################"
		echo "## container.image SKIPPED: $*"
		echo "## The container image was NOT built or tested."
		echo "################################################################"
	} >&2
	exit $SKIP
}
fail() { echo "container.image: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }

for tool in buildah debootstrap "$runtime"; do
	command -v "$tool" >/dev/null ||
		skip "'$tool' is not installed (Debian packages: tests/container/apt-packages.txt)"
done
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, and buildah with chroot isolation)"

work=$(mktemp -d /tmp/gate-container.XXXXXX)
# The image's user reads the fixtures and templates mounted from here.
chmod 0755 "$work"
containers=()
cleanup() {
	for c in "${containers[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_opts=(--isolation chroot --runtime "$runtime" --network host
	-e ALL_PROXY=http://127.0.0.1:9 -e NO_PROXY=127.0.0.1,localhost)
run_in() {   # run_in CONTAINER [buildah run options] -- COMMAND...
	local c=$1 opts=()
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	buildah run "${run_opts[@]}" "${opts[@]}" "$c" "$@" 2>&1
}

t_start=$(now)

# --- the base: debootstrap once, import when the tarball changed --------------
mkdir -p "$cache"
tarball="$cache/bookworm-minbase.tar"
if [ ! -s "$tarball" ]; then
	step "debootstrap --variant=minbase bookworm from $mirror (once; cached in $cache)"
	rootfs="$work/rootfs"
	debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
	cat >"$rootfs/etc/apt/sources.list" <<-EOF
		deb $mirror bookworm main
		deb $mirror bookworm-updates main
		deb $security bookworm-security main
	EOF
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	tar --numeric-owner --xattrs -C "$rootfs" -cf "$tarball.part" .
	mv "$tarball.part" "$tarball"
	rm -rf "$rootfs"
fi
t_base=$(now)

base_id=$(sha256sum "$tarball" | cut -c1-64)
have=$(buildah inspect --type image --format '{{index .ImageAnnotations "org.gate.base.tarball"}}' \
	"$base" 2>/dev/null || true)
if [ "$have" != "$base_id" ]; then
	step "importing $tarball as $base"
	ctr=$(buildah from scratch) || skip "buildah cannot create a container here"
	containers+=("$ctr")
	buildah add --quiet "$ctr" "$tarball" / >/dev/null
	buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--cmd /bin/bash --annotation "org.gate.base.tarball=$base_id" "$ctr"
	buildah commit --quiet --rm "$ctr" "$base" >/dev/null
	containers=()
fi
t_import=$(now)

# Can this machine run a container at all?  Anything after this is a failure.
probe=$(buildah from --pull=never "$base")
containers+=("$probe")
out=$(run_in "$probe" -- /bin/true) ||
	skip "buildah run --isolation chroot --runtime $runtime cannot run a container here: $out"

# --- the image -----------------------------------------------------------------
version=$(sed -n 's/^project(gate VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
step "buildah bud (version $version, -j$jobs inside)"
buildah bud --isolation chroot --runtime "$runtime" --network host --layers --pull=never --force-rm \
	--build-arg BASE="$base" --build-arg RUNTIME_BASE="$base" \
	--build-arg VERSION="$version" --build-arg JOBS="$jobs" \
	-t "$image" -f "$src/Dockerfile" "$src" >"$work/bud.log" 2>&1 ||
	{ tail -40 "$work/bud.log" >&2; fail "buildah bud failed (log above)"; }
grep -E '^[0-9]+% tests passed|tests passed, ' "$work/bud.log" || true
t_bud=$(now)

# --- its config ------------------------------------------------------------------
buildah inspect --type image "$image" >"$work/inspect.json"
python3 "$here/check_config.py" "$work/inspect.json" "$version" || fail "image config"

# --- gate in the image --------------------------------------------------------------
ctr=$(buildah from --pull=never "$image")
containers+=("$ctr")

out=$(run_in "$ctr" -- gate --version) || fail "gate --version: $out"
echo "$out" | grep -q "^gate $version" || fail "gate --version says: $out"
echo "gate --version: $(echo "$out" | head -1)"

out=$(run_in "$ctr" -- sh -c 'id -un; stat -c "%U %a" "$XDG_CACHE_HOME"') || fail "id/stat: $out"
[ "$out" = "$(printf 'gate\ngate 700')" ] || fail "want user gate and /cache 'gate 700', got: $out"

vec="$src/fixtures/vectors"
want=$(python3 -c 'import json,sys; print([v["root_hash"] for v in json.load(open(sys.argv[1]))
	if v["name"] == "basic_tree"][0])' "$vec/index.json")
cp "$vec/basic_tree.tar.gz" "$work/"
chmod 0644 "$work/basic_tree.tar.gz"
out=$(run_in "$ctr" -v "$work:/fixtures:ro" -- gate hash --tar /fixtures/basic_tree.tar.gz) ||
	fail "gate hash --tar: $out"
got=${out%% *}
[ "$got" = "$want" ] || fail "basic_tree root hash in the image: $got, reference: $want"
if [ -n "$host_gate" ]; then
	host=$("$host_gate" hash --tar "$vec/basic_tree.tar.gz")
	[ "${host%% *}" = "$got" ] || fail "image's hash $got differs from the host build's ${host%% *}"
fi
echo "gate hash --tar basic_tree.tar.gz: $got (the reference's)"

# The registry scenarios run gate in the image through this wrapper, with its
# working directory mounted read-only at the same path.
cat >"$work/gate-in-image" <<-EOF
	#!/bin/sh
	exec buildah run ${run_opts[*]@Q} -v '$work:$work:ro' '$ctr' -- gate "\$@"
EOF
chmod 0755 "$work/gate-in-image"
# gate verify is checked wherever the sources have it, so that an image
# whose gate lacks it fails here rather than passing unnoticed.
verify=()
if [ -f "$src/gate/cli/cmd_verify.c" ]; then
	verify=(--verify)
else
	echo "NOTE: these sources have no 'gate verify': only gate hash IMAGE is run in the image" >&2
fi
TMPDIR="$work" python3 "$here/image_registry.py" --image-gate "$work/gate-in-image" \
	--vectors "$vec" --schema "$src/docs/verify-report.schema.json" "${verify[@]}" ||
	fail "gate against a registry on 127.0.0.1, in the image"
t_end=$(now)

size=$(buildah images --format '{{.Size}}' "$image" | head -1)
echo "image $image: $size"
echo "times: debootstrap $(secs "$t_start" "$t_base") s, import $(secs "$t_base" "$t_import") s," \
	"buildah bud $(secs "$t_import" "$t_bud") s, checks $(secs "$t_bud" "$t_end") s," \
	"total $(secs "$t_start" "$t_end") s"
echo "container.image: passed"
