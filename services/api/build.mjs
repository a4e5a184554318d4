/**
 * Compiles the API node to plain JavaScript in services/api/dist, so production runs `node` on it
 * (tsx stays for development and tests). Run by the install (root `postinstall`) and by the start
 * commands; it takes about a second.
 *
 * The workspace's own packages are bundled in. Every other import stays an import, of the file
 * esbuild resolves for it now, written relative to dist: each package's dependencies live in that
 * package's own node_modules (pnpm), which a bundle in services/api could not find by name, and a
 * native addon (better-sqlite3) cannot be bundled at all.
 *
 * A module a worker thread runs is named `*-thread.ts`, unique across the workspace; each becomes
 * its own entry beside main.js, where the code that starts it looks (`./<name>-thread.js` next to
 * its own module).
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(here, 'dist');
// Built beside dist and then put in its place, so dist never mixes two builds' chunks.
const outdir = join(here, 'dist.next');
rmSync(outdir, { recursive: true, force: true });

/** Every `*-thread.ts` under the workspace's packages and services (not tests, not node_modules). */
function threadModules() {
  const found = {};
  for (const top of ['packages', 'services']) {
    for (const entry of readdirSync(join(root, top), { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      if (!entry.isFile() || path.includes(`${sep}node_modules${sep}`)) continue;
      if (!entry.name.endsWith('-thread.ts')) continue;
      const name = entry.name.slice(0, -'.ts'.length);
      // Both would be dist/<name>.js, and each starter would start whichever was written last.
      if (found[name]) throw new Error(`Two thread modules named ${name}: ${found[name]} and ${path}`);
      found[name] = path;
    }
  }
  return found;
}

/** Bare imports other than `@pzp/*` stay imports of the file they resolve to now. */
const dependenciesInPlace = {
  name: 'dependencies-in-place',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@pzp/') || args.pluginData === 'in-place') return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'in-place',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (!resolved.path.includes(`${sep}node_modules${sep}`)) return { path: args.path, external: true };
      const path = relative(outdir, resolved.path).split(sep).join('/');
      return { path: path.startsWith('.') ? path : `./${path}`, external: true };
    });
  },
};

const result = await build({
  entryPoints: {
    main: join(here, 'src', 'main.ts'),
    // The operator's rebuild command (README, "Commands"), on the same compiled code as the node.
    rebuild: join(root, 'packages', 'projections', 'src', 'cli', 'rebuild.ts'),
    ...threadModules(),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  metafile: true,
  plugins: [dependenciesInPlace],
});
rmSync(dist, { recursive: true, force: true });
renameSync(outdir, dist);
const outputs = Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js'));
stdout.write(`built ${outputs.length} files in ${relative(root, dist)}\n`);
