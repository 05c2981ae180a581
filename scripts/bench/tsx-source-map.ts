// Maps a position in code that tsx produced back to the TypeScript line. tsx strips types and
// whitespace (its output is one long line per file), so the line numbers in a CPU profile of a tsx
// process say nothing; tsx's disk cache (<tmpdir>/tsx-<uid>/) keeps each transform's code and source
// map, which is what this reads. Best effort: without a matching cache entry the answer is undefined.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface CacheEntry {
  code: string;
  map: { sources: string[]; mappings: string };
  mtimeMs: number;
}

/** One decoded mapping: generated line/column -> original line (all 0-based). */
interface Mapping {
  line: number;
  column: number;
  sourceLine: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

function decodeMappings(mappings: string): Mapping[] {
  const out: Mapping[] = [];
  let sourceLine = 0;
  mappings.split(';').forEach((lineText, line) => {
    let column = 0;
    for (const segment of lineText.split(',')) {
      if (!segment) continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const c of segment) {
        const digit = DIGIT.get(c)!;
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += fields[0];
      if (fields.length >= 4) {
        sourceLine += fields[2];
        out.push({ line, column, sourceLine });
      }
    }
  });
  return out;
}

export interface NamedPosition {
  line: number;
  column: number;
  functionName: string;
}

export class TsxSourceMaps {
  private entries?: Map<string, CacheEntry[]>;
  private readonly chosen = new Map<string, CacheEntry | undefined>();
  private readonly decoded = new Map<CacheEntry, Mapping[]>();

  /**
   * `notAfterMs`: ignore cache entries written after this time (the profile's), which are
   * transforms of files edited since the profiled run.
   */
  constructor(private readonly notAfterMs = Infinity, private readonly cacheDir = join(tmpdir(), `tsx-${process.getuid?.() ?? 0}`)) {}

  /**
   * Picks, among the cached transforms of `file`, the one the profiled process ran: the one whose
   * code has the most of these functions at these positions (newest first on a tie).
   */
  choose(file: string, functions: NamedPosition[]): void {
    let best: CacheEntry | undefined;
    let bestScore = -1;
    for (const entry of this.candidates(file)) {
      const score = functions.filter((f) => codeAt(entry.code, f.line, f.column).includes(f.functionName)).length;
      if (score > bestScore) [best, bestScore] = [entry, score];
    }
    this.chosen.set(file, best);
  }

  /** The 1-based TypeScript line of generated position (line, column) (0-based, as in CPU profiles) in `file`. */
  originalLine(file: string, line: number, column: number): number | undefined {
    const entry = this.chosen.has(file) ? this.chosen.get(file) : this.candidates(file)[0];
    if (!entry) return undefined;
    let mappings = this.decoded.get(entry);
    if (!mappings) this.decoded.set(entry, (mappings = decodeMappings(entry.map.mappings)));
    let best: Mapping | undefined;
    for (const m of mappings) {
      if (m.line > line) break;
      if (m.line === line && m.column > column) break;
      best = m;
    }
    return best ? best.sourceLine + 1 : undefined;
  }

  private candidates(file: string): CacheEntry[] {
    return (this.load().get(file) ?? []).filter((e) => e.mtimeMs <= this.notAfterMs);
  }

  /** Source file -> cache entries for it, newest first. */
  private load(): Map<string, CacheEntry[]> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    let names: string[] = [];
    try {
      names = readdirSync(this.cacheDir);
    } catch {
      return this.entries; // no cache (TSX_DISABLE_CACHE, another tmpdir): lines stay unknown
    }
    for (const name of names) {
      try {
        const path = join(this.cacheDir, name);
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CacheEntry>;
        const source = parsed.map?.sources?.[0];
        if (!source || typeof parsed.code !== 'string') continue;
        const list = this.entries.get(source) ?? [];
        list.push({ code: parsed.code, map: parsed.map!, mtimeMs: statSync(path).mtimeMs });
        this.entries.set(source, list);
      } catch {
        // not an entry we understand
      }
    }
    for (const list of this.entries.values()) list.sort((a, b) => b.mtimeMs - a.mtimeMs);
    return this.entries;
  }
}

function codeAt(code: string, line: number, column: number): string {
  let start = 0;
  for (let l = 0; l < line && start >= 0; l++) start = code.indexOf('\n', start) + 1;
  return code.slice(start + column, start + column + 200);
}
