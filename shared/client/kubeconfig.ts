// Where a component finds the API server, as kube's clientcmd.BuildConfigFromFlags decides it:
// --master wins when given (here it may list several servers, comma-separated, for failover),
// otherwise the server of the kubeconfig's current context. k8ts speaks plain HTTP without
// authentication, so only the server URL (and the context's namespace) matter; TLS and user
// credentials in the file are read past, not refused, so a kubeconfig written for kubectl works.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface KubeconfigTarget {
  /** The current context's name. */
  context: string;
  /** The current context's cluster server URL. */
  server: string;
  /** The current context's namespace, when it sets one. */
  namespace?: string;
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name?: string; cluster?: { server?: string } }[];
  contexts?: { name?: string; context?: { cluster?: string; namespace?: string } }[];
}

/** The current context's server (and namespace) from kubeconfig text; `source` names the file in errors. */
export function parseKubeconfig(text: string, source = 'kubeconfig'): KubeconfigTarget {
  const doc = (parse(text) ?? {}) as KubeconfigFile;
  if (typeof doc !== 'object') throw new Error(`${source}: not a kubeconfig`);
  const contextName = doc['current-context'];
  if (!contextName) throw new Error(`${source}: no current-context is set`);
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`${source}: context "${contextName}" does not exist`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`${source}: cluster "${context.cluster ?? ''}" of context "${contextName}" does not exist`);
  if (!cluster.server) throw new Error(`${source}: cluster "${context.cluster}" has no server`);
  return { context: contextName, server: cluster.server.replace(/\/+$/, ''), namespace: context.namespace || undefined };
}

export function loadKubeconfig(path: string): KubeconfigTarget {
  return parseKubeconfig(readFileSync(path, 'utf8'), path);
}

/** The API server URLs to use from --master (comma-separated list) or --kubeconfig; empty if neither is set. */
export function apiServersFrom(options: { master?: string; kubeconfig?: string }): string[] {
  const master = (options.master ?? '').split(',').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  if (master.length) return master;
  if (options.kubeconfig) return [loadKubeconfig(options.kubeconfig).server];
  return [];
}
