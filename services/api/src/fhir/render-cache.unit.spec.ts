import { describe, expect, it } from 'vitest';
import { RenderCache } from './render-cache.js';

describe('RenderCache', () => {
  it('renders a key once and serves the same bytes after', () => {
    const cache = new RenderCache(1024);
    let renders = 0;
    const render = () => ({ resourceType: 'Bundle', n: ++renders });
    const first = cache.get('p 1 q', render);
    const second = cache.get('p 1 q', render);
    expect(renders).toBe(1);
    expect(second.bytes.toString()).toBe('{"resourceType":"Bundle","n":1}');
    expect(second.bytes).toBe(first.bytes);
    // Another version of the plan is another key: rendered anew.
    expect(cache.get('p 2 q', render).bytes.toString()).toContain('"n":2');
  });

  it('keeps no more bytes than it is given, dropping the least recently used first', () => {
    const cache = new RenderCache(70); // two answers of 30 bytes (JSON and key) fit, three do not
    const answer = (s: string) => () => ({ s: s.repeat(20) }); // 28 bytes of JSON, the key 2
    cache.get('a', answer('a'));
    cache.get('b', answer('b'));
    cache.get('a', answer('a')); // a is now the most recently used
    cache.get('c', answer('c'));
    expect(cache.bytes).toBeLessThanOrEqual(70);
    let rendered = false;
    cache.get('a', () => ((rendered = true), {}));
    expect(rendered).toBe(false);
    cache.get('b', () => ((rendered = true), {}));
    expect(rendered).toBe(true);
  });

  it('serves, but does not keep, an answer larger than the whole cache', () => {
    const cache = new RenderCache(10);
    expect(cache.get('big', () => ({ text: 'x'.repeat(50) })).bytes.length).toBeGreaterThan(50);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
