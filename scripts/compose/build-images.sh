#!/usr/bin/env bash
# Builds the k8ts image of docker-compose.yml on a machine that reaches no image registry: starts dockerd
# if needed, builds the local base image (scripts/build-base-image.sh, skipped when it exists) and runs
# `compose build` on it. Extra arguments go to `compose build` (e.g. --no-cache).
#
# npm in the build stage trusts this machine's CA bundle ($NODE_EXTRA_CA_CERTS, else
# /etc/ssl/certs/ca-certificates.crt): it is copied to .compose/build-ca.crt for the build only.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/compose/start-dockerd.sh
export BASE_IMAGE="${BASE_IMAGE:-k8ts-base:local}"
if [ "$BASE_IMAGE" = k8ts-base:local ]; then scripts/build-base-image.sh --image "$BASE_IMAGE"; fi
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [ -f "$ca" ]; then
  mkdir -p .compose
  cp "$ca" .compose/build-ca.crt
  trap 'rm -f .compose/build-ca.crt; rmdir .compose 2>/dev/null || true' EXIT
fi
scripts/compose/compose.sh build "$@"
