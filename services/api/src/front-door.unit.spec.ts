import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every front end reaches patient data through the access door (@pzp/access) and nothing else:
 * a front end that imported the store, the read models or the write path could show a record
 * without the access policy and without its NEN 7513 access record. This proves it from the
 * source: no file of any front-end folder imports them.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The front ends, present and to come; each one that exists is scanned. */
const FRONT_ENDS = [
  'services/api/src/graphql',
  'services/api/src/fhir',
  'services/api/src/subscriptions',
  'services/api/src/web',
  'services/web',
];

/** What only the door (and the node's wiring that builds it) may import. */
const FORBIDDEN = [
  '@pzp/event-store',
  '@pzp/projections',
  '@pzp/application',
  // The stores underneath, directly.
  'better-sqlite3',
  '@eventstore/db-client',
];

const SOURCE = /\.(ts|tsx|mts|js|mjs|jsx)$/;
// Specs set up a real node (store, projector) to drive the front end with: they are not served.
const SPEC = /\.spec\.[a-z]+$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return SOURCE.test(name) && !SPEC.test(name) ? [path] : [];
  });
}

/** Every module a file names: static, type-only, re-exports, dynamic import() and require(). */
const importsOf = (file: string): string[] =>
  ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);

const isForbidden = (specifier: string): boolean =>
  FORBIDDEN.some((p) => specifier === p || specifier.startsWith(`${p}/`));

const frontEnds = FRONT_ENDS.filter((dir) => existsSync(join(ROOT, dir)));

describe('the front door', () => {
  it('scans the GraphQL front end at least (the list names real folders)', () => {
    expect(frontEnds).toContain('services/api/src/graphql');
    for (const dir of frontEnds) expect(sourceFiles(join(ROOT, dir)).length).toBeGreaterThan(0);
  });

  it('sees every kind of import (so the scan below cannot miss one)', () => {
    const specifiers = ts
      .preProcessFile(
        [
          "import { a } from '@pzp/projections';",
          "import type { B } from '@pzp/event-store';",
          "export * from '@pzp/application';",
          "const c = await import('better-sqlite3');",
          "const d = require('@eventstore/db-client/generated/x');",
        ].join('\n'),
        true,
        true,
      )
      .importedFiles.map((f) => f.fileName);
    expect(specifiers.filter(isForbidden)).toHaveLength(5);
  });

  it.each(frontEnds)('%s imports neither the event store, the read models nor the write path', (dir) => {
    const offending = sourceFiles(join(ROOT, dir)).flatMap((file) =>
      importsOf(file)
        .filter(isForbidden)
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it("gives the FHIR front end records only: it imports neither the node's services nor its wiring", () => {
    // The router gets a function from caller to records (app.ts): with Services it could reach
    // the read models without any import above.
    const wiring = ['services/api/src/services.ts', 'services/api/src/app.ts', 'services/api/src/main.ts'];
    const offending = sourceFiles(join(ROOT, 'services/api/src/fhir')).flatMap((file) =>
      importsOf(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => relative(ROOT, resolve(dirname(file), s)).replace(/\.js$/, '.ts'))
        .filter((target) => wiring.includes(target))
        .map((target) => `${relative(ROOT, file)} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps @pzp/fhir a pure mapping: it imports the domain and FHIR types, nothing of the node', () => {
    const allowed = (s: string) =>
      s.startsWith('.') ||
      s === '@pzp/domain' ||
      s.startsWith('@medplum/') ||
      // The shape of a form that comes in is checked with zod, as at every boundary.
      s === 'zod' ||
      s === 'node:crypto' ||
      s === 'vitest';
    const offending = sourceFiles(join(ROOT, 'packages/fhir/src')).flatMap((file) =>
      importsOf(file)
        .filter((s) => !allowed(s))
        .map((s) => `${relative(ROOT, file)} imports ${s}`),
    );
    expect(offending).toEqual([]);
  });

  it('leaves access decisions and access records to the door: no service calls them itself', () => {
    const services = join(ROOT, 'services');
    const offending = readdirSync(services)
      .map((name) => join(services, name))
      .filter((dir) => statSync(dir).isDirectory())
      .flatMap(sourceFiles)
      .filter((file) =>
        /\b(decideAccess|explainAccess)\b|\baccessLog\.record\s*\(/.test(readFileSync(file, 'utf8')),
      )
      .map((file) => relative(ROOT, file));
    expect(offending).toEqual([]);
  });
});
