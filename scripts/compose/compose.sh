#!/usr/bin/env bash
# `docker compose` when the plugin is there, else docker-compose (1.29 in Debian): the compose file works
# with both. K8TS_COMPOSE overrides the choice (e.g. K8TS_COMPOSE=docker-compose).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${K8TS_COMPOSE:-}" ]; then exec ${K8TS_COMPOSE} "$@"; fi
if docker compose version >/dev/null 2>&1; then exec docker compose "$@"; fi
if command -v docker-compose >/dev/null; then exec docker-compose "$@"; fi
echo "compose.sh: neither \`docker compose\` nor docker-compose is installed (apt-get install -y docker-compose)" >&2
exit 1
