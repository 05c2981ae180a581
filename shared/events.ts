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

/** Writes in flight at once; more wait their turn (client-go's broadcaster has one sink goroutine per watcher). */
const CONCURRENCY = 8;
/** Events waiting beyond this are dropped, as client-go drops when its 1000-event queue is full. */
const MAX_BACKLOG = 1000;

const eventKey = (ref: ObjectReference, type: EventType, reason: string, message: string) =>
  [ref.uid, ref.kind, ref.name, ref.fieldPath ?? '', type, reason, message].join('\u0000');

export class EventRecorder {
  private readonly events: ResourceClient<Event>;
  /** The Events this recorder created, by what makes two events "the same". */
  private readonly seen = new Map<string, { namespace: string; name: string; count: number; at: number }>();
  /** The last write of each distinct event: repeats of one event are written in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private backlog = 0;
  dropped = 0;

  constructor(client: ApiClient, private readonly component: string, private readonly host = '', private readonly logger?: Logger, private readonly windowMs = 10 * 60_000) {
    this.events = new ResourceClient<Event>(client, resources.events);
  }

  event(obj: InvolvedObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    if (this.backlog >= MAX_BACKLOG) {
      this.dropped++;
      return;
    }
    this.backlog++;
    const key = eventKey(referenceTo(obj, fieldPath), type, reason, message);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.withSlot(() => this.record(key, obj, type, reason, message, fieldPath)))
      .catch((err) => this.logger?.warn({ err: (err as Error).message, reason }, 'could not record event'))
      .finally(() => {
        this.backlog--;
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Resolves once every event recorded so far has been written (for tests and shutdown). */
  async flush(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async record(key: string, obj: InvolvedObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const involved = referenceTo(obj, fieldPath);
    // Events about cluster-scoped objects (nodes) live in "default", as in Kubernetes.
    const namespace = involved.namespace || 'default';
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
