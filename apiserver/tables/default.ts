// The table of a kind without a printer of its own (rest.DefaultTableConvertor): NAME and CREATED AT,
// the creation time as an RFC 3339 timestamp. kubectl shows exactly this for e.g. clusterroles.
import { CREATION_TIMESTAMP_DESCRIPTION, column, nameColumn } from './columns.ts';
import { timeOf } from './duration.ts';
import { printer, type ObjectMetaView } from './types.ts';

/** Go's time.Time.UTC().Format(time.RFC3339): whole seconds, "Z"; the zero time for a missing timestamp. */
export function rfc3339(ts: string | null | undefined): string {
  const t = timeOf(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const defaultPrinter = printer<{ metadata?: ObjectMetaView }>(
  [nameColumn(), column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION)],
  (obj) => ({ cells: [obj.metadata?.name ?? '', rfc3339(obj.metadata?.creationTimestamp)] }),
);
