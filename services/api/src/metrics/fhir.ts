import type { NextFunction, Request, Response } from 'express';
import { ROUTES } from '../fhir/routes.js';
import type { MetricRegistry } from './registry.js';

const RESOURCES = new Set<string>(['metadata', ...ROUTES.map((r) => r.type)]);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Times every request under /fhir, by what its path names: a resource type the API serves (or
 * "metadata"), else "other". The id in the path (a pseudonym) never becomes a label.
 */
export function fhirMetrics(metrics: MetricRegistry) {
  return (req: Request, res: Response, next: NextFunction) => {
    const [first = ''] = req.path.split('/').filter(Boolean);
    const resource = RESOURCES.has(first) ? first : 'other';
    const method = METHODS.has(req.method) ? req.method : 'other';
    const stop = metrics.fhirRequests.startTimer({ resource, method });
    res.once('close', () => stop({ status: String(res.statusCode) }));
    next();
  };
}
