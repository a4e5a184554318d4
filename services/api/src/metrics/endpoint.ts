import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';

/**
 * GET /metrics in Prometheus' text format. With a token, only `Authorization: Bearer <token>` is
 * answered (401 otherwise, compared in constant time); without, whoever reaches the port is.
 */
export function metricsEndpoint(registry: Registry, token?: string) {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  return async (req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    if (expected !== undefined) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        res.status(401).type('text/plain').send('Unauthorized\n');
        return;
      }
    }
    try {
      const body = await registry.metrics();
      res.setHeader('content-type', registry.contentType);
      res.send(body);
    } catch {
      res.status(500).type('text/plain').send('Metrics unavailable\n');
    }
  };
}
