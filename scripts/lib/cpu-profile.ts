/**
 * What a V8 CPU profile (`node --cpu-prof`) says, in the source's own names: the share of the
 * thread's busy time spent in each function including what it called (inclusive) and in its own
 * code (self), by the TypeScript file and line the compiled bundle was made from (its source map,
 * read with node:module's SourceMap) or by package for dependencies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Share {
  readonly where: string;
  /** Percent of the thread's busy time (not idle). */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly seconds: number;
  readonly busySeconds: number;
  readonly inclusive: readonly Share[];
  readonly self: readonly Share[];
}

/** Where a call frame's code came from: `file.ts:line name` in the repository, or `pkg:name`. */
function locator(root: string) {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      const map = `${file}.map`;
      maps.set(
        file,
        existsSync(map) ? new SourceMap(JSON.parse(readFileSync(map, 'utf8')) as never) : undefined,
      );
    }
    return maps.get(file);
  };
  return ({ functionName, url, lineNumber, columnNumber }: CallFrame): string => {
    const name = functionName || '(anonymous)';
    if (url === '') return name; // (garbage collector), (idle), (program), native code
    if (url.startsWith('node:')) return `${url} ${name}`;
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(file);
    if (pkg) return `${pkg[1]} ${name}`;
    const entry = mapOf(file)?.findEntry(lineNumber, columnNumber);
    // A map names its sources relative to itself.
    const source =
      entry && 'originalSource' in entry
        ? `${relative(root, fileURLToPath(new URL(entry.originalSource, pathToFileURL(file))))}:${entry.originalLine + 1}`
        : `${relative(root, file) || file}:${lineNumber + 1}`;
    return `${source} ${name}`;
  };
}

/** The `top` biggest inclusive and self shares of one thread's profile. */
export function summarizeProfile(path: string, root: string, top = 40): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const where = locator(root);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const names = new Map<number, string>();
  const nameOf = (id: number) => {
    let name = names.get(id);
    if (name === undefined) names.set(id, (name = where(byId.get(id)!.callFrame)));
    return name;
  };
  let total = 0;
  let idle = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of time) {
    total += t;
    const name = nameOf(id);
    if (name === '(idle)') {
      idle += t;
      continue;
    }
    self.set(name, (self.get(name) ?? 0) + t);
    // Each function once per sample, however deep it recursed.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = nameOf(at);
      // Node's own plumbing (the event loop, streams) holds everything: it says nothing.
      if (seen.has(n) || n === '(root)' || n.startsWith('node:')) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + t);
    }
  }
  const busy = total - idle;
  const shares = (m: Map<string, number>): Share[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([w, t]) => ({ where: w, percent: Math.round((1000 * t) / busy) / 10 }));
  return {
    seconds: Math.round(total / 1e4) / 100,
    busySeconds: Math.round(busy / 1e4) / 100,
    inclusive: shares(inclusive),
    self: shares(self),
  };
}
