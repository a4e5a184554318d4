import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { WEB_OPERATIONS } from './operations.js';

const CLIENT = fileURLToPath(new URL('../client/', import.meta.url));

it('names exactly the operations the client sends', () => {
  const sent = new Set<string>();
  for (const file of readdirSync(CLIENT).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(CLIENT + file, 'utf8').matchAll(/\b(?:query|mutation) ([A-Z]\w*)/g))
      sent.add(m[1]!);
  }
  expect([...sent].sort()).toEqual([...WEB_OPERATIONS].sort());
});
