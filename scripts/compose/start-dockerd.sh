#!/usr/bin/env bash
# Starts the Docker daemon in the background when none answers (machines without systemd), logging to
# $DOCKERD_LOG (default /var/log/k8ts-dockerd.log), and waits until `docker info` succeeds.
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
command -v dockerd >/dev/null || { echo "start-dockerd: dockerd is not installed (scripts/compose/install-tools.sh)" >&2; exit 1; }
log="${DOCKERD_LOG:-/var/log/k8ts-dockerd.log}"
# A daemon still on its way down holds its pid file; one that crashed left the file behind.
pidfile=/var/run/docker.pid
for _ in $(seq 1 60); do
  [ -f "$pidfile" ] || break
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; break; fi
  sleep 0.5
done
# setsid + nohup: the daemon outlives this script and the CI step that ran it.
setsid nohup dockerd >>"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    echo "start-dockerd: dockerd running (pid $pid, log $log)"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "start-dockerd: dockerd exited; last lines of $log:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.5
done
echo "start-dockerd: dockerd did not answer within 60s (log $log)" >&2
exit 1
