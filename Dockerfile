# One image for every k8ts component: `docker run k8ts <component> [flags]`, where <component> is
# apiserver, scheduler, controller-manager, kubelet or kube-proxy (see docker-compose.yml for a cluster).
#
# BASE_IMAGE is any Debian bookworm with node 20 on PATH: the public node image by default; where no
# registry is reachable, scripts/build-base-image.sh builds one (k8ts-base:local) from Debian and the
# machine's own node, and the build is given --build-arg BASE_IMAGE=k8ts-base:local.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
# .compose/build-ca.crt exists only when the build machine reaches the npm registry through a TLS proxy
# of its own (scripts/compose/build-images.sh copies the host's CA bundle there for the build and removes
# it after): npm then trusts it for this stage only; it never reaches the runtime image. The [t] makes
# the copy optional: with package*.json matching, a missing bundle is no error.
COPY package.json package-lock.json .compose/build-ca.cr[t] ./
# tsx is a runtime dependency (the components run their TypeScript directly), so --omit=dev is enough.
RUN if [ -f build-ca.crt ]; then export NODE_EXTRA_CA_CERTS=/app/build-ca.crt npm_config_cafile=/app/build-ca.crt; fi \
 && npm ci --omit=dev --no-audit --no-fund --loglevel=warn \
 && rm -f build-ca.crt

# etcd for docker-compose.yml's `ha` profile (`--target etcd`, image k8ts-etcd:local): Debian bookworm's
# etcd-server (3.4, the version the apiserver's etcd3 backend is tested on) and etcd-client (etcdctl: the
# health check, and what a person asks who leads). From apt on purpose: every BASE_IMAGE is Debian bookworm
# (node:20-bookworm-slim, or the local debootstrap one), so the same line works with or without a registry,
# and the k8ts image itself stays without etcd. Its own stage so the components' image is the default target.
FROM ${BASE_IMAGE} AS etcd
RUN apt-get update \
 && apt-get install -y --no-install-recommends etcd-server etcd-client \
 && rm -rf /var/lib/apt/lists/*
# Healthy = this member serves a linearizable read: the cluster has quorum and a leader.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["etcdctl", "--endpoints=http://127.0.0.1:2379", "--command-timeout=2s", "endpoint", "health"]
ENTRYPOINT ["etcd"]

FROM ${BASE_IMAGE}
# iproute2 is what the kubelet's host-gw network plugin runs (the local base image has it already).
RUN command -v ip >/dev/null || (apt-get update && apt-get install -y --no-install-recommends iproute2 && rm -rf /var/lib/apt/lists/*)
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY shared ./shared
COPY apiserver ./apiserver
COPY scheduler ./scheduler
COPY controller-manager ./controller-manager
COPY kubelet ./kubelet
COPY kube-proxy ./kube-proxy
COPY scripts/compose ./scripts/compose
# Each component's /healthz, found from its flags (scripts/compose/healthz.mjs); compose may override.
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD ["node", "/app/scripts/compose/healthz.mjs"]
ENTRYPOINT ["/app/scripts/compose/entrypoint.sh"]
CMD ["apiserver", "--bind-address", "0.0.0.0"]
