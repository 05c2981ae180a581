// core/v1 Event, with legacyValidateEvent's checks: an event lives in the namespace of the object it is
// about; "new-style" events (with eventTime) also need a reporting controller, instance, action and reason.
import { z } from 'zod';
import { always, kubeChecks } from './field-errors.ts';
import { MicroTime, ObjectMeta, ObjectReference, Time } from './meta.ts';
import { isDNS1123Subdomain, isQualifiedName } from './names.ts';

export const EventSource = z.object({ component: z.string().optional(), host: z.string().optional() });
export const EventSeries = z.object({ count: z.number().int().optional(), lastObservedTime: MicroTime.optional() });

const reportingInstanceLimit = 128;
const actionLimit = 128;
const reasonLimit = 128;
const noteLimit = 1024;

export const Event = z.object({
  apiVersion: z.literal('v1').default('v1'),
  kind: z.literal('Event').default('Event'),
  metadata: ObjectMeta.prefault({}),
  involvedObject: ObjectReference.prefault({}),
  reason: z.string().optional(),
  message: z.string().optional(),
  source: EventSource.prefault({}),
  firstTimestamp: Time.optional(),
  lastTimestamp: Time.optional(),
  count: z.number().int().optional(),
  /** Normal or Warning. */
  type: z.string().optional(),
  eventTime: MicroTime.optional(),
  series: EventSeries.optional(),
  action: z.string().optional(),
  related: ObjectReference.optional(),
  // Always serialized by Kubernetes, even when empty.
  reportingComponent: z.string().default(''),
  reportingInstance: z.string().default(''),
}).superRefine(kubeChecks((ev, errs) => {
  const ns = ev.metadata.namespace ?? '';
  const objectNs = ev.involvedObject.namespace ?? '';
  const mismatch = () => errs.invalid(['involvedObject', 'namespace'], objectNs, 'does not match event.namespace');
  if (!ev.eventTime) {
    // Events about cluster-scoped objects may live in "default", for old clients.
    if (objectNs === '' ? ns !== '' && ns !== 'default' : ns !== objectNs) mismatch();
  } else {
    if (objectNs === '' && ns !== 'default' && ns !== 'kube-system') mismatch();
    if (!ev.reportingComponent) errs.required(['reportingComponent']);
    errs.invalidEach(['reportingComponent'], ev.reportingComponent, ev.reportingComponent ? isQualifiedName(ev.reportingComponent) : []);
    if (!ev.reportingInstance) errs.required(['reportingInstance']);
    if (ev.reportingInstance.length > reportingInstanceLimit) errs.invalid(['reportingInstance'], '', `can have at most ${reportingInstanceLimit} characters`);
    if (!ev.action) errs.required(['action']);
    if ((ev.action?.length ?? 0) > actionLimit) errs.invalid(['action'], '', `can have at most ${actionLimit} characters`);
    if (!ev.reason) errs.required(['reason']);
    if ((ev.reason?.length ?? 0) > reasonLimit) errs.invalid(['reason'], '', `can have at most ${reasonLimit} characters`);
    if ((ev.message?.length ?? 0) > noteLimit) errs.invalid(['message'], '', `can have at most ${noteLimit} characters`);
  }
  if (ns) errs.invalidEach(['namespace'], ns, isDNS1123Subdomain(ns));
}), always);
export type Event = z.infer<typeof Event>;
export type EventInput = z.input<typeof Event>;
