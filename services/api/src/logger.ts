import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs. Nothing personal is ever passed to the logger; the redaction list is a
 * second line of defence should a field slip in.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'pzp-api' },
    redact: {
      paths: [
        'bsn',
        '*.bsn',
        'name',
        '*.name',
        'patient',
        '*.patient',
        'authorization',
        '*.authorization',
        'token',
      ],
      censor: '[redacted]',
    },
  });
}
export type { Logger };
