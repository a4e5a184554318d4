import { describe, expect, it } from 'vitest';
import { inertJson, messagePage, withData } from './page.js';

describe('data handed to the page', () => {
  it('cannot close its script element or open a comment, and parses back to the same value', () => {
    const value = { token: 'a</script><script>alert(1)</script>', bsn: '<!-- x -->', s: '&\u2028\u2029' };
    const block = inertJson('launch', value);
    const inner = /^<script type="application\/json" id="launch">(.*)<\/script>$/s.exec(block)![1]!;
    expect(inner).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(inner)).toEqual(value);
  });

  it('goes before the module script that reads it', () => {
    const html = '<head><script type="module" src="/app.js"></script></head>';
    const page = withData(html, [inertJson('x', 1)]);
    expect(page.indexOf('id="x"')).toBeLessThan(page.indexOf('type="module"'));
  });

  it('a message page escapes its text', () => {
    expect(messagePage('<b>', 'a & "b"')).not.toMatch(/<b>|& "/);
  });
});
