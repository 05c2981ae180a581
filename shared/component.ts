// CONTRACT (to be implemented): what a control-plane process's main.ts calls. It parses the common
// flags (--master, --kubeconfig, leader election flags with kube's names and defaults), builds the API
// client, informer factory and event recorder, serves /healthz (and /metrics) on --bind-address:
// --secure-port (plain HTTP: k8ts has no TLS), runs Lease leader election in kube-system, and calls
// `run` when this replica leads. Losing the lease aborts `signal` and the process exits non-zero.
import type { ApiClient } from './client/api-client.ts';
import type { EventRecorder } from './events.ts';
import type { FlagSpec, Flags } from './flags.ts';
import type { InformerFactory } from './informer/factory.ts';
import type { Logger } from './log.ts';

export interface ComponentContext {
  /** Fenced: a write is refused (NotLeaderError, and the process exits) once this replica no longer leads. */
  client: ApiClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  logger: Logger;
  /** This replica's identity (hostname_uuid, as kube's), the Lease holderIdentity when leading. */
  identity: string;
}

export interface ComponentSpec<F extends Record<string, FlagSpec>> {
  /** 'kube-scheduler' or 'kube-controller-manager': the logger's component and the default Lease name. */
  name: string;
  /** Default for --secure-port (kube: scheduler 10259, controller-manager 10257). */
  defaultPort: number;
  /** The component's own flags, besides the common ones. */
  flags: F;
  /** Checks the parsed flags before anything starts (kube validates options up front); throw to exit 1. */
  validate?(flags: Flags<F>): void;
  /** Runs while this replica leads (or always, with --leader-elect=false); stop when `signal` aborts. */
  run(ctx: ComponentContext, flags: Flags<F>, signal: AbortSignal): Promise<void> | void;
}
