// metav1.Time on the wire: RFC 3339 in whole seconds (kube truncates). Controllers compare times in
// milliseconds and write them back in this form.

/** The RFC 3339 form of a time in ms, truncated to the second as metav1.Time is. */
export const metaTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A metav1.Time or MicroTime in ms; undefined when absent or unparsable. */
export function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
