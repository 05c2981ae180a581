// The event recorder (client-go tools/record): components say what happened to an object as core/v1
// Events. A repeat of the same event (same object, type, reason and message) within the aggregation
// window does not create a new Event but bumps count and lastTimestamp of the first one, as
// client-go's EventCorrelator does. Recording never blocks the caller and never throws.
import { randomBytes } from 'node:crypto';
import { resources } from './api/registry.ts';
import type { Event } from './api/event.ts';
import type { ObjectReference } from './api/meta.ts';
import type { ApiClient } from './client/api-client.ts';
import { ResourceClient } from './client/resource-client.ts';
import type { Logger } from './log.ts';

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

const nowTimestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function referenceTo(obj: InvolvedObject, fieldPath?: string): ObjectReference {
  const ref: ObjectReference = { kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name, uid: obj.metadata?.uid, apiVersion: obj.apiVersion, resourceVersion: obj.metadata?.resourceVersion };
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

export class EventRecorder {
  private readonly events: ResourceClient<Event>;
  /** The Events this recorder created, by what makes two events "the same". */
  private readonly seen = new Map<string, { namespace: string; name: string; count: number; at: number }>();
  private chain: Promise<void> = Promise.resolve();

  constructor(client: ApiClient, private readonly component: string, private readonly host = '', private readonly logger?: Logger, private readonly windowMs = 10 * 60_000) {
    this.events = new ResourceClient<Event>(client, resources.events);
  }

  event(obj: InvolvedObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    // Serialized so repeats of one event update the same object in order.
    this.chain = this.chain.then(() => this.record(obj, type, reason, message, fieldPath)).catch((err) => {
      this.logger?.warn({ err: (err as Error).message, reason }, 'could not record event');
    });
  }

  /** Resolves once every event recorded so far has been written (for tests and shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private async record(obj: InvolvedObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const involved = referenceTo(obj, fieldPath);
    // Events about cluster-scoped objects (nodes) live in "default", as in Kubernetes.
    const namespace = involved.namespace || 'default';
    const key = [involved.uid, involved.kind, involved.name, fieldPath ?? '', type, reason, message].join('\u0000');
    const now = Date.now();
    const previous = this.seen.get(key);
    if (previous && now - previous.at < this.windowMs) {
      previous.count++;
      previous.at = now;
      try {
        await this.events.patch(previous.namespace, previous.name, { count: previous.count, lastTimestamp: nowTimestamp() });
        return;
      } catch {
        // It was deleted (events expire): create it afresh below.
      }
    }
    const name = `${involved.name}.${randomBytes(8).toString('hex')}`;
    const ts = nowTimestamp();
    await this.events.create(namespace, {
      metadata: { name, namespace },
      involvedObject: involved,
      reason, message, type, count: 1,
      firstTimestamp: ts, lastTimestamp: ts,
      source: { component: this.component, host: this.host || undefined },
      reportingComponent: this.component,
      reportingInstance: this.host,
    } as Event);
    this.seen.set(key, { namespace, name, count: 1, at: now });
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value!);
  }
}
