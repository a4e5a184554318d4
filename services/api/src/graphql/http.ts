import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import express from 'express';
import type { Logger } from '../logger.js';
import type { GraphqlMetrics } from '../metrics/graphql.js';
import type { RequestContext } from './context.js';

export const MAX_BODY = '256kb';

export interface GraphqlHttpOptions {
  readonly apollo: ApolloServer<RequestContext>;
  readonly requestTimeoutMs: number;
  readonly isReady: () => boolean;
  /** The verified caller's context; throws a GraphQLError (UNAUTHENTICATED) when there is none. */
  readonly context: (req: IncomingMessage) => Promise<RequestContext>;
  readonly metrics?: GraphqlMetrics;
  readonly logger: Pick<Logger, 'error'>;
}

/** `/graphql`, `/graphql/…` and `/graphql?…`, any case: the paths express mounted it on. */
export function isGraphqlPath(url: string | undefined): boolean {
  if (url === undefined || url.length < 8 || url.slice(0, 8).toLowerCase() !== '/graphql') return false;
  const next = url.charCodeAt(8);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63; /* ? */
}

/**
 * POST/GET /graphql on the bare node:http request: Apollo's own HTTP entry point
 * (executeHTTPGraphQLRequest), with express's JSON body parser (body-parser) called directly. Nearly
 * every request the node serves is one of these; through express's router, its response helpers
 * and the express integration a HAP lookup took about a third more main-thread CPU (measured with
 * `pnpm run profile hap`: 0.94-1.16 against 0.68-0.71 ms per response).
 */
export function graphqlHttp(options: GraphqlHttpOptions) {
  const { apollo, metrics } = options;
  // The same parser express.json() mounts, on the bare request: same limits, charsets, encodings.
  const parseJson = express.json({ limit: MAX_BODY }) as unknown as (
    req: IncomingMessage,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ) => void;

  const answer = async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: query === -1 ? '' : url.slice(query),
        body: req.body,
      },
      context: async () => {
        const context = await options.context(req);
        metrics?.bind(context, res);
        return context;
      },
    });
    if (res.headersSent) return; // timed out meanwhile: the 503 went out
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    metrics?.time(res);
    res.setHeader('cache-control', 'no-store');
    res.setTimeout(options.requestTimeoutMs, () => {
      if (!res.headersSent) sendErrors(res, 503, 'Request timed out', 'TIMEOUT');
    });
    if (!options.isReady()) {
      sendErrors(
        res,
        503,
        'Not ready: read models are catching up, the event store is unreachable, or storage cannot be written (see /readyz)',
        'SERVICE_UNAVAILABLE',
      );
      return;
    }
    parseJson(req, res, (error) => {
      if (error !== undefined) {
        refuseBody(error as { status?: number; type?: string }, res, options.logger);
        return;
      }
      answer(req, res).catch((e: unknown) => {
        options.logger.error({ err: { type: (e as Error).name } }, 'graphql request failed');
        if (!res.headersSent) sendErrors(res, 500, 'Internal server error', 'INTERNAL_SERVER_ERROR');
        else res.destroy();
      });
    });
  };
}

/** Body too large or not JSON: a GraphQL-shaped error, never an HTML page or a stack. */
export function refuseBody(
  error: { status?: number; type?: string },
  res: ServerResponse,
  logger: Pick<Logger, 'error'>,
): void {
  const status = error.status ?? 500;
  const message =
    error.type === 'entity.too.large'
      ? `Request body exceeds ${MAX_BODY}`
      : status === 500
        ? 'Internal server error'
        : 'Malformed request';
  if (status === 500) logger.error({ err: { type: error.type } }, 'request failed');
  sendErrors(res, status, message, status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}

function sendErrors(res: ServerResponse, status: number, message: string, code: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
