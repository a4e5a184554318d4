import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Latency buckets (seconds) for requests and access-record appends: a read at night should answer
 * in well under a second, so the buckets are fine there and coarse towards the request timeout.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The node's Prometheus metrics, on a registry of its own (not prom-client's global one, so two
 * nodes in one process, as in tests, do not share counts). Every label is bounded: operation names
 * from a known list, codes and statuses the server itself produces; never a BSN or a pseudonym.
 */
export function metricRegistry() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    graphqlRequests: new Histogram({
      name: 'pzp_graphql_request_duration_seconds',
      help: 'GraphQL requests by operation (a known operation name, or "other") and outcome code (OK or the first error code); _count is the number of requests',
      labelNames: ['operation', 'code'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    fhirRequests: new Histogram({
      name: 'pzp_fhir_request_duration_seconds',
      help: 'FHIR requests by resource type (or "metadata", or "other"), method and HTTP status; _count is the number of requests',
      labelNames: ['resource', 'method', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    accessAppends: new Histogram({
      name: 'pzp_access_record_commit_duration_seconds',
      help: 'Appends of access records (one group commit each) by outcome (ok or error), until durable or failed',
      labelNames: ['outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    accessRecords: new Counter({
      name: 'pzp_access_records_total',
      help: 'Access records this node appended since it started, by outcome (ok or error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type MetricRegistry = ReturnType<typeof metricRegistry>;
