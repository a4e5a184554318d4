import { describe, expect, it } from 'vitest';
import { AllowListError, parseAllowList } from './allow-list.js';

describe('the webhook allow-list', () => {
  const list = parseAllowList('127.0.0.0/8, 10.20.0.0/16,::1/128, his.example.nl:443, [fd00::5]:8443');

  it.each([
    'http://127.0.0.1:9000/hook',
    'https://10.20.3.4/pzp',
    'http://[::1]:8080/x',
    'https://his.example.nl/pzp',
    'https://his.example.nl:443/pzp',
    'https://[fd00::5]:8443/p',
  ])('allows %s', (url) => {
    expect(list.refusal(url)).toBeUndefined();
    expect(list.allows(new URL(url))).toBe(true);
  });

  it.each([
    ['http://10.21.0.1/hook', 'not on the allow-list'],
    ['https://his.example.nl:8443/pzp', 'not on the allow-list'], // another port of an allowed name
    ['http://his.example.nl/pzp', 'not on the allow-list'], // port 80, the entry says 443
    ['https://evil.example/pzp', 'not on the allow-list'],
    ['http://localhost:9000/', 'not on the allow-list'], // a name never matches a CIDR block
    ['https://[fd00::5]:443/p', 'not on the allow-list'],
    ['ftp://127.0.0.1/x', 'Only http and https'],
    ['http://user:pw@127.0.0.1/x', 'No credentials'],
    ['http://127.0.0.1/x#frag', 'No fragment'],
    ['not a url', 'Not a URL'],
    ['', 'Not a URL'],
  ])('refuses %s', (url, why) => {
    expect(list.refusal(url)).toContain(why);
  });

  it('allows nothing when empty (production default)', () => {
    expect(parseAllowList('').refusal('http://127.0.0.1/x')).toContain('not on the allow-list');
  });

  it.each(['10.0.0.0/33x', 'example', '300.1.1.1/8', 'host:port', 'a b:80'])(
    'refuses the entry %s',
    (entry) => {
      expect(() => parseAllowList(entry)).toThrow(AllowListError);
    },
  );
});
