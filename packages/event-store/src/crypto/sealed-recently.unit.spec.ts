import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyText, sealText, unseal, type SealedContext } from './sealed.js';
import { SealedRecently } from './sealed-recently.js';

const context: SealedContext = { streamName: 'pzp-a', id: 'event-1', type: 'TreatmentLimitRecorded' };

function sealedOne(data: unknown = { code: 'NO_CPR', text: 'Niet reanimeren' }, key = randomBytes(32)) {
  const text = bodyText(data);
  return { key, text, sealed: sealText(text, key, context) };
}

describe('SealedRecently', () => {
  it('gives the text of a body it was told of, the same text decrypting gives', () => {
    const recent = new SealedRecently();
    const { key, text, sealed } = sealedOne();
    recent.remember(sealed, text, key, context);
    expect(recent.textOf(sealed, key, context)).toBe(text);
    expect(unseal(sealed, key, context)).toEqual({ ok: true, data: JSON.parse(text) });
  });

  it('misses for a changed ciphertext or tag, another event, stream or type, or another key', () => {
    const recent = new SealedRecently();
    const { key, text, sealed } = sealedOne();
    recent.remember(sealed, text, key, context);
    const flipped = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64');
    };
    expect(recent.textOf({ ...sealed, ct: flipped(sealed.ct) }, key, context)).toBeUndefined();
    expect(recent.textOf({ ...sealed, tag: flipped(sealed.tag) }, key, context)).toBeUndefined();
    expect(recent.textOf(sealed, key, { ...context, id: 'event-2' })).toBeUndefined();
    expect(recent.textOf(sealed, key, { ...context, streamName: 'pzp-b' })).toBeUndefined();
    expect(recent.textOf(sealed, key, { ...context, type: 'TreatmentLimitWithdrawn' })).toBeUndefined();
    expect(recent.textOf(sealed, randomBytes(32), context)).toBeUndefined();
    // A copy of the key (as read again from the key store) is the same key.
    expect(recent.textOf(sealed, Buffer.from(key), context)).toBe(text);
  });

  it('forgets a stream whose key was destroyed, and no other', () => {
    const recent = new SealedRecently();
    const a = sealedOne();
    recent.remember(a.sealed, a.text, a.key, context);
    const otherContext = { ...context, streamName: 'pzp-b' };
    const bText = bodyText({ text: 'b' });
    const b = sealText(bText, a.key, otherContext);
    recent.remember(b, bText, a.key, otherContext);
    recent.forget('pzp-a');
    expect(recent.textOf(a.sealed, a.key, context)).toBeUndefined();
    expect(recent.textOf(b, a.key, otherContext)).toBe(bText);
  });

  it('keeps at most its capacity, the oldest out first; none at capacity 0', () => {
    const recent = new SealedRecently(2);
    const bodies = [sealedOne({ n: 1 }), sealedOne({ n: 2 }), sealedOne({ n: 3 })];
    for (const b of bodies) recent.remember(b.sealed, b.text, b.key, context);
    expect(recent.size).toBe(2);
    expect(bodies.map((b) => recent.textOf(b.sealed, b.key, context))).toEqual([
      undefined,
      bodies[1]!.text,
      bodies[2]!.text,
    ]);
    const none = new SealedRecently(0);
    none.remember(bodies[0]!.sealed, bodies[0]!.text, bodies[0]!.key, context);
    expect(none.size).toBe(0);
  });
});
