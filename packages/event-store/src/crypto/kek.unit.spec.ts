import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_KEK_FILE, keyEncryptionKey } from './kek.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pzp-kek-'));
  dirs.push(d);
  return d;
};

describe('the key-encryption key', () => {
  it('comes from configuration when given', () => {
    const configured = Buffer.alloc(32, 3);
    const key = keyEncryptionKey({
      configured: configured.toString('base64'),
      dir: newDir(),
      mayGenerate: false,
    });
    expect(key.equals(configured)).toBe(true);
  });

  it('is refused in production when not configured, and never generated there', () => {
    const dir = newDir();
    expect(() => keyEncryptionKey({ configured: undefined, dir, mayGenerate: false })).toThrow(
      /PZP_KEY_ENCRYPTION_KEY is required in production/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is generated once in development, owner-readable only, said once, and the same at every start', () => {
    const dir = newDir();
    const told: string[] = [];
    const first = keyEncryptionKey({
      configured: undefined,
      dir,
      mayGenerate: true,
      onGenerated: (p) => told.push(p),
    });
    const again = keyEncryptionKey({
      configured: undefined,
      dir,
      mayGenerate: true,
      onGenerated: (p) => told.push(p),
    });
    expect(again.equals(first)).toBe(true);
    expect(told).toEqual([join(dir, DEV_KEK_FILE)]);
    expect(statSync(join(dir, DEV_KEK_FILE)).mode & 0o077).toBe(0);
    expect(readdirSync(dir)).toEqual([DEV_KEK_FILE]);
    expect(Buffer.from(readFileSync(join(dir, DEV_KEK_FILE), 'utf8').trim(), 'base64').equals(first)).toBe(
      true,
    );
  });

  it('refuses a configured key that is not 32 bytes', () => {
    expect(() =>
      keyEncryptionKey({ configured: Buffer.alloc(31).toString('base64'), dir: newDir(), mayGenerate: true }),
    ).toThrow(/exactly 32 bytes/);
  });
});
