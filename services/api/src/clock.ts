import type { Clock } from '@pzp/access';

export type { Clock };

/** The real clock, or one that starts at `start` and runs on in real time (development and tests). */
export function createClock(start?: string): Clock {
  if (!start) return () => new Date();
  const offset = Date.parse(start) - Date.now();
  return () => new Date(Date.now() + offset);
}
