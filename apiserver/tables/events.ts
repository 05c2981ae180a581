// `kubectl get events`: LAST SEEN TYPE REASON OBJECT MESSAGE (wide: SUBOBJECT SOURCE, then
// FIRST SEEN COUNT NAME). events.k8s.io/v1 Events are printed by the same printer, as in kube,
// after mapping their fields onto core/v1 names.
import { column, nameColumn } from './columns.ts';
import { since } from './duration.ts';
import { printer, type ObjectMetaView, type PrintContext, type PrintedRow } from './types.ts';

interface ObjectReferenceView { kind?: string; name?: string; fieldPath?: string }

export interface CoreEventView {
  metadata?: ObjectMetaView;
  involvedObject?: ObjectReferenceView;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  type?: string;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string | null } | null;
  reportingComponent?: string;
  reportingInstance?: string;
}

export const eventColumns = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 'The object that this event is about.'),
  column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.', 1),
  column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  column('Count', 'string', 'The number of times this event has occurred.', 1),
  nameColumn(1),
];

// formatEventSource: component (or reporting controller), then ", host" (or reporting instance) when known.
function eventSource(e: CoreEventView): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

export function printEvent(e: CoreEventView, ctx: PrintContext): PrintedRow {
  const firstSeen = e.firstTimestamp ? since(e.firstTimestamp, ctx.now) : since(e.eventTime, ctx.now);
  let lastSeen = e.lastTimestamp ? since(e.lastTimestamp, ctx.now) : firstSeen;
  let count = e.count ?? 0;
  if (e.series) {
    lastSeen = since(e.series.lastObservedTime, ctx.now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the new API carry no count.
    count = 1;
  }
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  const message = (e.message ?? '').trim();
  if (ctx.wide) {
    return {
      cells: [lastSeen, e.type ?? '', e.reason ?? '', target, e.involvedObject?.fieldPath ?? '', eventSource(e), message, firstSeen, count, e.metadata?.name ?? ''],
    };
  }
  return { cells: [lastSeen, e.type ?? '', e.reason ?? '', target, message] };
}

export const eventPrinter = printer<CoreEventView>(eventColumns, printEvent);
