/**
 * A progress bar on stderr: done/total, percentage, rate and ETA, redrawn in place on a terminal
 * (at most ~10 times a second), plain lines every few seconds otherwise (CI logs, pipes).
 */
export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  /** What `done` counts, e.g. 'patients'. */
  readonly unit: string;
  /** A second counter shown with its own rate, e.g. 'events' (the rate the seeder reports). */
  readonly rateUnit?: string;
  readonly stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not a terminal. */
  readonly plainEverySeconds?: number;
}

const number = (n: number) => Math.round(n).toLocaleString('en-US');

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private done = 0;
  private counted = 0;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
  }

  /** Seconds since the start. */
  get elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Sets the counters (absolute values) and redraws when it is time to. */
  update(done: number, counted = this.counted): void {
    this.done = done;
    this.counted = counted;
    const now = performance.now();
    const every = this.tty ? 100 : (this.options.plainEverySeconds ?? 5) * 1000;
    if (now - this.lastDraw >= every) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    const { label, total, unit, rateUnit } = this.options;
    const elapsed = this.elapsed;
    const fraction = total > 0 ? Math.min(1, this.done / total) : 1;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.POSITIVE_INFINITY;
    const rateOf = (n: number) => (elapsed > 0 ? n / elapsed : 0);
    const parts = [
      `${number(this.done)}/${number(total)} ${unit}`,
      `${(fraction * 100).toFixed(1).padStart(5)}%`,
      rateUnit
        ? `${number(this.counted)} ${rateUnit} ${number(rateOf(this.counted))} ${rateUnit}/s`
        : `${number(rateOf(this.done))} ${unit}/s`,
      final ? `${formatDuration(elapsed)} elapsed` : `ETA ${formatDuration(eta)}`,
    ];
    if (this.tty) {
      const width = 24;
      const filled = Math.round(fraction * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      this.stream.write(`\r\x1b[2K${label} ${bar} ${parts.join('  ')}${final ? '\n' : ''}`);
    } else {
      this.stream.write(`${label}: ${parts.join(', ')}\n`);
    }
  }
}
