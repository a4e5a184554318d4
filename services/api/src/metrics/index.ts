import type { RequestHandler } from 'express';
import type { AccessLogWriter } from '@pzp/access';
import { fhirMetrics } from './fhir.js';
import { graphqlMetrics, type GraphqlMetrics } from './graphql.js';
import { KnownOperations } from './operations.js';
import { metricRegistry } from './registry.js';
import { registerStateMetrics, type NodeState } from './state.js';
import { metricsEndpoint } from './endpoint.js';
export { metricsApp } from './server.js';

export interface NodeMetricsParts extends NodeState {
  readonly accessLog: Pick<AccessLogWriter, 'observe'>;
  /** When set, /metrics answers only this bearer token. */
  readonly token?: string;
}

/** What app.ts mounts: request timing for /graphql and /fhir, and the /metrics handler. */
export interface NodeMetrics {
  readonly graphql: GraphqlMetrics;
  readonly fhir: RequestHandler;
  readonly endpoint: RequestHandler;
}

/** The node's metrics (see README, "Metrics"): one registry, fed by the node's parts. */
export function nodeMetrics(parts: NodeMetricsParts): NodeMetrics {
  const metrics = metricRegistry();
  registerStateMetrics(metrics.registry, parts);
  parts.accessLog.observe({
    appended: ({ records, seconds, ok }) => {
      const outcome = ok ? 'ok' : 'error';
      metrics.accessAppends.observe({ outcome }, seconds);
      metrics.accessRecords.inc({ outcome }, records);
    },
  });
  return {
    graphql: graphqlMetrics(metrics, new KnownOperations()),
    fhir: fhirMetrics(metrics),
    endpoint: metricsEndpoint(metrics.registry, parts.token),
  };
}
