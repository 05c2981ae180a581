// Summarizes a V8 .cpuprofile (from `node --cpu-prof`) by self time: the functions where the CPU
// actually was, with file:line (TypeScript lines for tsx-loaded files), optionally within a time
// window so one benchmark phase can be looked at alone. Profile timestamps are CLOCK_MONOTONIC
// microseconds, the same clock as process.hrtime() in any process on the machine.
// Also a command: node --import tsx scripts/bench/cpuprofile.ts <file.cpuprofile> [top]
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsxSourceMaps, type NamedPosition } from './tsx-source-map.ts';
import { repoRoot } from './processes.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
  /** When the profile file was written (wall clock ms), if known. */
  writtenAtMs?: number;
}

export interface Hotspot {
  functionName: string;
  /** path:line, relative to the repository when inside it. */
  location: string;
  selfMs: number;
  /** Share of the non-idle time in the window. */
  percent: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  /** By self time. */
  hotspots: Hotspot[];
  /** The repository's own functions by total time (self + everything they called). */
  ownByTotal: Hotspot[];
}

/** Microseconds on the profile's clock, for phase windows. */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

export function readProfile(path: string): CpuProfile {
  return { ...(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile), writtenAtMs: statSync(path).mtimeMs };
}

/** Source maps for the tsx-transformed files in `profile`, each matched to the version that ran. */
function sourceMapsFor(profile: CpuProfile): TsxSourceMaps {
  const maps = new TsxSourceMaps(profile.writtenAtMs);
  const named = new Map<string, NamedPosition[]>();
  for (const { callFrame: f } of profile.nodes) {
    if (!f.url.startsWith('file://') || !f.url.endsWith('.ts') || !f.functionName) continue;
    const file = fileURLToPath(f.url);
    const list = named.get(file) ?? [];
    list.push({ line: f.lineNumber, column: f.columnNumber, functionName: f.functionName });
    named.set(file, list);
  }
  for (const [file, functions] of named) maps.choose(file, functions);
  return maps;
}

function locationOf(frame: CallFrame, sourceMaps: TsxSourceMaps): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url) return '(native)';
  if (!url.startsWith('file://')) return `${url}:${lineNumber + 1}`;
  const file = fileURLToPath(url);
  const line = file.endsWith('.ts') ? sourceMaps.originalLine(file, lineNumber, columnNumber) : lineNumber + 1;
  const shown = file.startsWith(repoRoot) ? relative(repoRoot, file) : file;
  return line === undefined ? `${shown} (col ${columnNumber + 1})` : `${shown}:${line}`;
}

/** The top `top` functions by self time, within [fromMicros, toMicros) when given. */
export function summarize(profile: CpuProfile, options: { fromMicros?: number; toMicros?: number; top?: number } = {}): ProfileSummary {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const sourceMaps = sourceMapsFor(profile);
  const from = options.fromMicros ?? -Infinity;
  const to = options.toMicros ?? Infinity;
  const selfMicros = new Map<number, number>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const next = i + 1 < profile.samples.length ? time + profile.timeDeltas[i + 1] : profile.endTime;
    if (time < from || time >= to) continue;
    selfMicros.set(profile.samples[i], (selfMicros.get(profile.samples[i]) ?? 0) + Math.max(0, next - time));
  }
  // The same function appears under many call paths: sum by function and location.
  const keyOf = new Map<number, string>();
  const spots = new Map<string, Hotspot & { totalMs: number; own: boolean }>();
  const spotOf = (id: number) => {
    let key = keyOf.get(id);
    if (key === undefined) {
      const frame = frames.get(id)!;
      const location = locationOf(frame, sourceMaps);
      key = `${frame.functionName}\u0000${location}`;
      keyOf.set(id, key);
      if (!spots.has(key)) {
        const own = frame.url.startsWith('file://') && !location.startsWith('/') && !location.includes('node_modules/');
        spots.set(key, { functionName: frame.functionName || '(anonymous)', location, selfMs: 0, percent: 0, totalMs: 0, own });
      }
    }
    return spots.get(key)!;
  };
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  let busy = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    if (frames.get(id)!.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    spotOf(id).selfMs += micros / 1000;
    // Total time: once per function on the stack, however often it recurses.
    const onStack = new Set<Hotspot & { totalMs: number }>();
    for (let n: number | undefined = id; n !== undefined; n = parents.get(n)) onStack.add(spotOf(n));
    for (const spot of onStack) spot.totalMs += micros / 1000;
  }
  const top = options.top ?? 15;
  const percentOf = (msValue: number) => (busy ? (msValue * 1000 * 100) / busy : 0);
  const all = [...spots.values()];
  const hotspots = all.sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map((s) => ({ functionName: s.functionName, location: s.location, selfMs: s.selfMs, percent: percentOf(s.selfMs) }));
  const ownByTotal = all.filter((s) => s.own).sort((a, b) => b.totalMs - a.totalMs).slice(0, top)
    .map((s) => ({ functionName: s.functionName, location: s.location, selfMs: s.totalMs, percent: percentOf(s.totalMs) }));
  return { busyMs: busy / 1000, idleMs: idle / 1000, hotspots, ownByTotal };
}

export function formatSummary(summary: ProfileSummary): string {
  const row = (s: Hotspot) => `  ${s.selfMs.toFixed(0).padStart(7)} ms ${s.percent.toFixed(1).padStart(5)}%  ${s.functionName}  ${s.location}`;
  return [
    `  busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms; top frames by self time (% of busy):`,
    ...summary.hotspots.map(row),
    '  the repository\'s own functions by total time (self + callees, % of busy):',
    ...summary.ownByTotal.map(row),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file || (top !== undefined && !(Number(top) > 0))) {
    console.error('usage: node --import tsx scripts/bench/cpuprofile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatSummary(summarize(readProfile(file), { top: top ? Number(top) : 25 })));
}
