import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import express from 'express';
import { GraphQLError } from 'graphql';
import { openRecords } from '@pzp/access';
import { loadWebApp, type OidcOffer } from '@pzp/web';
import type { JWK } from 'jose';
import { devLoginRouter } from './auth/dev-login.js';
import { launchRouter } from './auth/launch.js';
import type { TokenVerifier } from './auth/index.js';
import { AuthenticationError } from './auth/index.js';
import { fhirRouter } from './fhir/index.js';
import type { RequestContext } from './graphql/context.js';
import { formatError } from './graphql/errors.js';
import { graphqlHttp, isGraphqlPath, refuseBody } from './graphql/http.js';
import { errorContract } from './graphql/error-contract.js';
import { QUERY_LIMITS, queryLimits } from './graphql/limits.js';
import { jitGateway } from './graphql/executor.js';
import { registrySchema } from './graphql/schema.js';
import type { NodeMetrics } from './metrics/index.js';
import type { Notifications } from './notify/node.js';
import { noticeRecords } from './notify/records.js';
import type { Services } from './services.js';

export interface AppOptions {
  readonly services: Services;
  readonly verifier: TokenVerifier;
  readonly requestTimeoutMs: number;
  readonly isReady: () => boolean;
  /** Why the node is not ready, one line each (what it cannot do, and where): /readyz reports them. */
  readonly notReadyReasons?: () => readonly string[];
  /** What /readyz says about the event store: which one, and its subscription's state. */
  readonly eventStoreHealth?: () => unknown;
  readonly introspection: boolean;
  /**
   * Request metrics for /graphql and /fhir; `endpointHere` mounts GET /metrics on this app (not
   * when the node serves it on its own port, PZP_METRICS_PORT).
   */
  readonly metrics?: { readonly node: NodeMetrics; readonly endpointHere: boolean };
  /** Webhook endpoints, dead letters and the notice audit (issue 14); absent: not served. */
  readonly notifications?: Notifications;
  /**
   * Development only: the web app's persona sign-in at /dev (personas, and a token signed with
   * this development key). Absent: no /dev routes, as in production.
   */
  readonly devLogin?: { readonly privateJwk: JWK };
  /** The web app's sign-in: host systems allowed to launch it (POST /launch), and OIDC if any. */
  readonly webSignIn?: { readonly launchOrigins?: readonly string[]; readonly oidc?: OidcOffer };
}

export const MAX_DEPTH = QUERY_LIMITS.maxDepth;
export const MAX_COST = QUERY_LIMITS.maxCost;

/**
 * A request's context: the verified caller and that caller's records through the access door.
 * The node's store, read models and projector stay here; resolvers see only the door.
 */
export function requestContext(
  services: Services,
  principal: RequestContext['principal'],
  requestId: string,
  notifications?: Notifications,
): RequestContext {
  const records = openRecords(services, {
    actor: principal.actor,
    clientSystem: principal.clientSystem,
    requestId,
  });
  return {
    principal,
    requestId,
    records,
    ...(notifications
      ? {
          notices: noticeRecords(
            notifications,
            services.store,
            services.pseudonymOf,
            principal.actor,
            records,
          ),
        }
      : {}),
  };
}

/**
 * The HTTP surface: health probes and one GraphQL endpoint. Authentication happens while building
 * the context, so an unauthenticated request never reaches a resolver.
 */
export async function createApp(
  options: AppOptions,
): Promise<{ listener: RequestListener; apollo: ApolloServer<RequestContext> }> {
  const { services, verifier } = options;
  const metrics = options.metrics?.node;
  const limits = queryLimits();
  const apollo = new ApolloServer<RequestContext>({
    // The schema from the SDL and resolvers, executed by compiled queries (see executor.ts).
    gateway: jitGateway(registrySchema()),
    formatError: formatError(services.logger),
    includeStacktraceInErrorResponses: false,
    introspection: options.introspection,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // No automatic persisted queries: no client of the registry sends them (its documents are
    // small and sent whole), and each would be one more store a caller fills and one more protocol
    // to answer precisely. A request that asks for one gets PERSISTED_QUERY_NOT_SUPPORTED, 400.
    persistedQueries: false,
    // The default cache-control plugin wraps every field resolver to collect cache hints that this
    // API never gives; patient data is never cacheable, so `no-store` is set below instead.
    plugins: [
      ...limits.plugins,
      errorContract(),
      ApolloServerPluginCacheControlDisabled(),
      ...(metrics ? [metrics.graphql.plugin] : []),
    ],
  });
  await apollo.start();

  const graphql = graphqlHttp({
    apollo,
    requestTimeoutMs: options.requestTimeoutMs,
    isReady: options.isReady,
    logger: services.logger,
    ...(metrics ? { metrics: metrics.graphql } : {}),
    context: async (req): Promise<RequestContext> => {
      let principal;
      try {
        principal = await verifier.verify(req.headers.authorization);
      } catch (e) {
        if (e instanceof AuthenticationError) {
          throw new GraphQLError(e.message, {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
        throw e;
      }
      // The caller's request id goes into the access record: a blank one would not be a valid id.
      const header = req.headers['x-request-id'];
      const requestId = (typeof header === 'string' && header.trim().slice(0, 100)) || randomUUID();
      return requestContext(services, principal, requestId, options.notifications);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  // No ETag: responses are never cached (no-store), so hashing every body would be wasted work.
  app.set('etag', false);
  if (metrics) app.use('/fhir', metrics.fhir);
  // FHIR R4 (IKNL PZP guide): the same verifier, and each request's records through the same door.
  app.use(
    '/fhir',
    fhirRouter({
      verifier,
      isReady: options.isReady,
      logger: services.logger,
      recordsFor: (principal, requestId) => requestContext(services, principal, requestId).records,
    }),
  );
  // The registry's own web app (Spoedoverzicht): static files; it reads data only through /graphql.
  const web = await loadWebApp({
    development: options.devLogin !== undefined,
    oidc: options.webSignIn?.oidc ?? null,
  });
  app.get(web.paths, web.handle);
  app.use(
    launchRouter({
      verifier,
      web,
      logger: services.logger,
      allowedOrigins: options.webSignIn?.launchOrigins ?? [],
    }),
  );
  if (options.devLogin) app.use('/dev', devLoginRouter(options.devLogin.privateJwk));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (metrics && options.metrics?.endpointHere) app.get('/metrics', metrics.endpoint);
  app.get('/readyz', (_req, res) => {
    const ready = options.isReady();
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not-ready',
      reasons: ready ? [] : (options.notReadyReasons?.() ?? []),
      projector: services.projector.status,
      position: services.projector.position?.toString() ?? null,
      eventStore: options.eventStoreHealth?.() ?? null,
      notices: options.notifications?.status() ?? null,
      // Streams the projector could not read: their patients' records are refused (not shown
      // stale) until an operator fixes the cause and rebuilds. The node serves everyone else, so
      // this does not make it unready.
      quarantined: services.queries
        .quarantined()
        .map((q) =>
          q.pseudonym === undefined
            ? { stream: q.streamName, revision: q.revision }
            : { pseudonym: q.pseudonym, revision: q.revision },
        ),
    });
  });

  // Body too large or not JSON (the web app's sign-in forms): an error in the API's shape.
  app.use(
    (
      err: { status?: number; type?: string },
      _req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => refuseBody(err, res, services.logger),
  );
  // /graphql on the bare request (graphql/http.ts); everything else through express.
  const listener: RequestListener = (req, res) =>
    isGraphqlPath(req.url) ? graphql(req, res) : app(req, res);
  return { listener, apollo };
}
