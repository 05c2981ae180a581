// The JSON forms of the apimachinery types whose Go MarshalJSON is hand-written (metav1.Time, MicroTime,
// Duration, resource.Quantity, intstr.IntOrString), computed from the fields their proto messages carry.
// `undefined` stands for Go's `null`, which the decoder leaves out (Kubernetes reads null as absent).
import { canonicalQuantity } from '../api/quantity.ts';
import { ProtobufDecodeError } from './wire.ts';

/** Seconds from the Unix epoch to Go's zero time.Time (January 1, year 1, UTC), which MarshalJSON writes as null. */
const GO_ZERO_TIME_UNIX = -62_135_596_800;

function isoOf(seconds: number): string {
  const ms = seconds * 1000;
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > 8.64e15) throw new ProtobufDecodeError(`timestamp ${seconds}s is out of range`);
  return new Date(ms).toISOString();
}

/** time.Unix normalizes nanoseconds outside [0, 1e9) into the seconds. */
function normalizeTime(seconds: number, nanos: number): [number, number] {
  const carry = Math.floor(nanos / 1e9);
  return [seconds + carry, nanos - carry * 1e9];
}

/**
 * metav1.Time: an empty message is the zero time (null); otherwise RFC 3339 in UTC to the second,
 * `2006-01-02T15:04:05Z` (sub-second precision never reaches JSON).
 */
export function timeJson(empty: boolean, seconds: number, nanos: number): string | undefined {
  if (empty) return undefined;
  const [s, ns] = normalizeTime(seconds, nanos);
  if (s === GO_ZERO_TIME_UNIX && ns === 0) return undefined;
  return isoOf(s).replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: like Time but with microseconds, `2006-01-02T15:04:05.000000Z` (nanoseconds truncated). */
export function microTimeJson(empty: boolean, seconds: number, nanos: number): string | undefined {
  if (empty) return undefined;
  const [s, ns] = normalizeTime(seconds, nanos);
  if (s === GO_ZERO_TIME_UNIX && ns === 0) return undefined;
  const micros = String(Math.floor(ns / 1000)).padStart(6, '0');
  return isoOf(s).replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/** Go's fmtFrac: the fraction v / 10^prec without trailing zeros (and without the point when it is zero). */
function fraction(v: bigint, prec: number): [string, bigint] {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) digits = String(digit) + digits;
    v /= 10n;
  }
  return [print ? `.${digits}` : '', v];
}

/** metav1.Duration: Go's time.Duration.String() of the nanoseconds, e.g. `1h0m0s`, `1.5s`, `300ms`, `0s`. */
export function durationJson(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const negative = nanoseconds < 0n;
  let u = negative ? -nanoseconds : nanoseconds;
  let out: string;
  if (u < 1_000_000_000n) {
    const [prec, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const [frac, whole] = fraction(u, prec);
    out = `${whole}${frac}${unit}`;
  } else {
    const [frac, seconds] = fraction(u, 9);
    u = seconds;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}

/**
 * resource.Quantity: Unmarshal parses the string (failing on a malformed one, as Go's decoder does), and
 * MarshalJSON writes the canonical form; an unset Quantity is "0".
 */
export function quantityJson(text: string | undefined): string {
  if (text === undefined) return '0';
  try {
    return canonicalQuantity(text);
  } catch (err) {
    throw new ProtobufDecodeError(`quantity ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
}

/** intstr.IntOrString: type 0 is the int, type 1 the string; any other type fails Go's MarshalJSON. */
export function intOrStringJson(type: number, intVal: number, strVal: string): number | string {
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw new ProtobufDecodeError(`impossible IntOrString.Type ${type}`);
}

/** FieldsV1 and RawExtension hold JSON as bytes, which MarshalJSON writes as it is; nil bytes are null. */
export function embeddedJson(bytes: Uint8Array | undefined, what: string): unknown {
  if (bytes === undefined || bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (err) {
    throw new ProtobufDecodeError(`${what} does not hold JSON: ${(err as Error).message}`);
  }
}
