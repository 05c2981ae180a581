// Kubernetes resource quantities ("100m", "0.5", "1Gi", "1e3", "2k"). The API server stores and returns
// them in canonical form ("0.5" becomes "500m", "1024Mi" becomes "1Gi"), as apimachinery's
// resource.Quantity does, so values are kept exactly (bigint mantissa, base-10 exponent).
import { z } from 'zod';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** value = mantissa * 10^exponent, exactly. */
export interface ParsedQuantity { mantissa: bigint; exponent: number; format: QuantityFormat }

export const quantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimalSuffixOf = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixOf = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

const quantityRe = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const pow10 = (n: number) => 10n ** BigInt(n);
const pow1024 = (n: number) => 1024n ** BigInt(n);

/** Smallest representable quantity is 1n: finer values are rounded up (away from zero), as Kubernetes does. */
function roundUpTo(q: ParsedQuantity, exponent: number): ParsedQuantity {
  if (q.exponent >= exponent) return q;
  const divisor = pow10(exponent - q.exponent);
  const negative = q.mantissa < 0n;
  const abs = negative ? -q.mantissa : q.mantissa;
  let m = abs / divisor;
  if (m * divisor !== abs) m += 1n;
  return { ...q, mantissa: negative ? -m : m, exponent };
}

/**
 * Parsed quantities by their text. A cluster uses a handful of distinct quantities ("100m", "256Mi") over
 * and over, and every pod write parses each several times (validation, defaulting, QoS class); bigint
 * arithmetic made parsing the largest single cost of validating a pod. Results are frozen and shared.
 */
const parsedByText = new Map<string, Readonly<ParsedQuantity> | Error>();
const PARSED_CACHE_LIMIT = 4096;

/** Parses a quantity; throws an Error with Kubernetes' message when it is malformed. */
export function parseQuantity(input: string | number): Readonly<ParsedQuantity> {
  if (typeof input !== 'string') return parseUncached(input);
  let parsed = parsedByText.get(input);
  if (parsed === undefined) {
    try {
      parsed = Object.freeze(parseUncached(input));
    } catch (err) {
      parsed = err as Error;
    }
    // Arbitrary client text must not grow the cache without bound: start over when it is full.
    if (parsedByText.size >= PARSED_CACHE_LIMIT) parsedByText.clear();
    parsedByText.set(input, parsed);
  }
  if (parsed instanceof Error) throw new Error(parsed.message);
  return parsed;
}

function parseUncached(input: string | number): ParsedQuantity {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const match = quantityRe.exec(text);
  if (!match || text.length === 0 || !Number.isFinite(typeof input === 'number' ? input : 0)) throw new Error(quantityFormatError);
  const [, sign, number, suffix] = match;
  const [whole, fraction = ''] = number.split('.');
  let mantissa = BigInt((whole || '0') + fraction);
  if (sign === '-') mantissa = -mantissa;
  let exponent = -fraction.length;
  let format: QuantityFormat;
  if (suffix in decimalSuffixes) {
    format = 'DecimalSI';
    exponent += decimalSuffixes[suffix];
  } else if (suffix in binarySuffixes) {
    format = 'BinarySI';
    // Binary multiples are exact integers in base 10.
    mantissa *= pow1024(binarySuffixes[suffix]);
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent += Number(suffix.slice(1));
  } else {
    throw new Error('unable to parse quantity\'s suffix');
  }
  return roundUpTo({ mantissa, exponent, format }, -9);
}

/** Strips trailing zeros of the mantissa into the exponent. */
function normalize(m: bigint, e: number): [bigint, number] {
  if (m === 0n) return [0n, 0];
  while (m % 10n === 0n) { m /= 10n; e += 1; }
  return [m, e];
}

/** The canonical string form, as resource.Quantity.String() prints it. */
export function formatQuantity(q: ParsedQuantity): string {
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    // Small or fractional values read better (and stay exact) in decimal.
    const [m, e] = normalize(q.mantissa, q.exponent);
    const abs = m < 0n ? -m : m;
    if (e < 0 || abs * pow10(e) < 1024n) format = 'DecimalSI';
    else {
      let n = m * pow10(e);
      let power = 0;
      while (power < 6 && n % 1024n === 0n) { n /= 1024n; power += 1; }
      return `${n}${binarySuffixOf.get(power)}`;
    }
  }
  let [m, e] = normalize(q.mantissa, q.exponent);
  // Exponents are kept to multiples of 3 so that an SI suffix exists for them.
  const r = ((e % 3) + 3) % 3;
  if (r !== 0) { m *= pow10(r); e -= r; }
  if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
  const suffix = decimalSuffixOf.get(e);
  return suffix === undefined ? `${m}e${e}` : `${m}${suffix}`;
}

export const canonicalQuantity = (input: string | number): string => formatQuantity(parseQuantity(input));

/** The quantity as a JavaScript number (may lose precision for huge or very precise values). */
export function quantityValue(input: string | number): number {
  const q = parseQuantity(input);
  return Number(`${q.mantissa}e${q.exponent}`);
}

/** Rounded up to an integer multiple of 10^exponent, then expressed in those units. */
function scaledCeil(input: string | number, exponent: number): number {
  const q = roundUpTo(parseQuantity(input), exponent);
  return Number(q.mantissa * pow10(q.exponent - exponent));
}

/** scaledCeil at one exponent, remembered by input text (the scheduler and QoS class ask for the same few). */
function memoizedScaledCeil(exponent: number): (input: string | number) => number {
  const byText = new Map<string, number>();
  return (input) => {
    if (typeof input !== 'string') return scaledCeil(input, exponent);
    let value = byText.get(input);
    if (value === undefined) {
      value = scaledCeil(input, exponent);
      if (byText.size >= PARSED_CACHE_LIMIT) byText.clear();
      byText.set(input, value);
    }
    return value;
  };
}

/** CPU in millicores, rounded up like resource.Quantity.MilliValue(): "100m" is 100, "0.5" is 500, "2" is 2000. */
export const cpuMillis: (input: string | number) => number = memoizedScaledCeil(-3);
/** Memory (or any integral resource) in units, rounded up like Quantity.Value(): "1Gi" is 1073741824. */
export const memoryBytes: (input: string | number) => number = memoizedScaledCeil(0);

/** Compares two quantities exactly: negative, zero or positive. */
export function compareQuantities(a: string | number, b: string | number): number {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  const e = Math.min(x.exponent, y.exponent);
  const d = x.mantissa * pow10(x.exponent - e) - y.mantissa * pow10(y.exponent - e);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

const quantityInput = z.union([z.string(), z.number()]);

function quantitySchema(roundToMilli: boolean) {
  // Canonical forms by input text, for the same reason as parsedByText.
  const canonicalByText = new Map<string, string>();
  const canonical = (value: string | number) => {
    const q = parseQuantity(value);
    return formatQuantity(roundToMilli ? roundUpTo(q, -3) : q);
  };
  return quantityInput.transform((value, ctx) => {
    try {
      if (typeof value !== 'string') return canonical(value);
      let text = canonicalByText.get(value);
      if (text === undefined) {
        text = canonical(value);
        if (canonicalByText.size >= PARSED_CACHE_LIMIT) canonicalByText.clear();
        canonicalByText.set(value, text);
      }
      return text;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: value, params: { quantity: true } });
      return z.NEVER;
    }
  });
}

/** A quantity in a JSON document: string or number in, canonical string out. */
export const Quantity = quantitySchema(false);
/**
 * A ResourceList (requests, limits, capacity...): Kubernetes' defaulting rounds these up to milli precision
 * (SetDefaults_ResourceList), so "0.1m" of CPU becomes "1m".
 */
export const ResourceList = z.record(z.string(), quantitySchema(true));
export type ResourceList = z.infer<typeof ResourceList>;
