#!/usr/bin/env bash
# Builds the local base image of the k8ts containers (default k8ts-base:local) without pulling anything:
# a minimal Debian bookworm from the Debian mirror apt already uses, plus this machine's node and npm.
# Used where no image registry is reachable; elsewhere the Dockerfile's default base (node:20-bookworm-slim)
# is the same thing from Docker Hub.
#
#   scripts/build-base-image.sh [--force] [--image NAME:TAG]
#
# Idempotent: an existing image is kept unless --force. Downloaded .debs are cached in
# $K8TS_DEBOOTSTRAP_CACHE (default /var/cache/k8ts-debootstrap) so a forced rebuild does not fetch them again.
set -euo pipefail

image="${K8TS_BASE_IMAGE:-k8ts-base:local}"
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --image) image="$2"; shift ;;
    --image=*) image="${1#--image=}" ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-base-image: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$force" = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "build-base-image: $image exists (use --force to rebuild)"
  exit 0
fi

for tool in debootstrap docker node apt-get; do
  command -v "$tool" >/dev/null || { echo "build-base-image: $tool is required (apt-get install -y debootstrap docker.io)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "build-base-image: debootstrap needs root" >&2; exit 1; }

suite=bookworm
# The mirror apt uses for bookworm/main, whatever format its sources are in (one-line .list or deb822 .sources).
mirror="$(apt-get indextargets --format '$(SITE) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' \
  | awk -v s="$suite" '$2 == s && $3 == "main" && $4 == "Packages" { print $1; exit }')"
[ -n "$mirror" ] || { echo "build-base-image: apt has no source for $suite main (see /etc/apt/sources.list*)" >&2; exit 1; }

node_bin="$(readlink -f "$(command -v node)")"
# npm sits in the lib dir next to node's bin dir (/usr/lib/node_modules for /usr/bin/node, /usr/local/lib/... for /usr/local/bin/node).
npm_dir="$(cd "$(dirname "$node_bin")/../lib/node_modules/npm" 2>/dev/null && pwd || true)"
[ -n "$npm_dir" ] || npm_dir="$(npm root -g)/npm"
[ -f "$npm_dir/bin/npm-cli.js" ] || { echo "build-base-image: npm not found next to $node_bin" >&2; exit 1; }
node_version="$("$node_bin" --version)"

cache="${K8TS_DEBOOTSTRAP_CACHE:-/var/cache/k8ts-debootstrap}"
mkdir -p "$cache"
rootfs="$(mktemp -d /var/tmp/k8ts-base.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT

echo "build-base-image: debootstrap $suite (minbase) from $mirror into $rootfs"
debootstrap --variant=minbase --include=ca-certificates,iproute2 --cache-dir="$cache" \
  "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

# What a container never needs: package lists and caches, docs, man pages, translations.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*

# node and npm where the official node image has them.
install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
for cli in npm npx; do
  printf '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/%s-cli.js "$@"\n' "$cli" >"$rootfs/usr/local/bin/$cli"
  chmod 0755 "$rootfs/usr/local/bin/$cli"
done
chroot "$rootfs" /usr/local/bin/node --version >/dev/null

echo "build-base-image: importing as $image (node $node_version)"
tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL org.k8ts.base.node=$node_version org.k8ts.base.debian=$suite" \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
docker image ls "$image"
