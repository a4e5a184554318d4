import { describe, expect, it } from 'vitest';
import { cpuSecondsOfStat } from './process-cpu.js';

// Fields after the command name: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
// majflt, cmajflt, utime, stime, ... (proc(5)).
const tail = (utime: number, stime: number) =>
  `S 1 10 10 0 -1 4194560 900 0 3 0 ${utime} ${stime} 0 0 20 0 11 0 5000 1000000 300`;

describe('cpuSecondsOfStat', () => {
  it('adds user and system time, in 1/100 s ticks', () => {
    expect(cpuSecondsOfStat(`4049 (node) ${tail(1234, 66)}`)).toBe(13);
  });

  it('is not misled by a command name holding spaces and parentheses', () => {
    expect(cpuSecondsOfStat(`77 (a) b (c) ${tail(250, 50)}`)).toBe(3);
  });

  it('refuses what is not a stat line', () => {
    expect(() => cpuSecondsOfStat('no such thing')).toThrow(/not a \/proc stat line/);
  });
});
