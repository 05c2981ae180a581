#!/bin/sh
# The image's entrypoint: `docker run k8ts <component> [flags]` runs <component>/main.ts as PID 1's
# exec (signals and exit codes reach node directly), e.g. `docker run k8ts apiserver --bind-address 0.0.0.0`.
#
# Node containers (the kubelet's) set up their network namespace first, from the environment:
#   SERVICE_CLUSTER_IP_RANGE  routed locally (`local ... dev lo`): kube-proxy in this namespace listens on
#                             every ClusterIP, so Service traffic is answered by this node's kube-proxy;
#   CLUSTER_CIDR              unreachable, except the podCIDRs the kubelet's host-gw plugin routes: pod
#                             traffic never leaves the cluster's network through the default route.
set -eu
component="${1:-}"
case "$component" in
  apiserver|scheduler|controller-manager|kubelet|kube-proxy) shift ;;
  kube-apiserver|kube-scheduler|kube-controller-manager) shift; component="${component#kube-}" ;;
  *) echo "usage: <apiserver|scheduler|controller-manager|kubelet|kube-proxy> [flags]" >&2; exit 2 ;;
esac
if [ -n "${SERVICE_CLUSTER_IP_RANGE:-}" ]; then
  ip route replace table local local "$SERVICE_CLUSTER_IP_RANGE" dev lo
fi
if [ -n "${CLUSTER_CIDR:-}" ]; then
  ip route replace unreachable "$CLUSTER_CIDR"
fi
cd /app
exec node --import tsx "$component/main.ts" "$@"
