import type { Server } from 'node:http';
import { useServer } from 'graphql-ws/use/ws';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql/index.js';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import { AuthenticationError, type Principal, type TokenVerifier } from '../auth/index.js';
import { QUERY_LIMITS, queryLimits } from '../graphql/limits.js';
import type { Logger } from '../logger.js';
import { decideNotices } from '@pzp/notifications';
import type { Notifications } from './node.js';
import { reviewDueNotices } from './review-due.js';
import type { PatientRecords } from '@pzp/access';

/** graphql-ws close codes (its CloseCode): no token, and a token refused or expired. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** A subscriber that fell too far behind is cut off (RFC 6455 "try again later"). */
export const CLOSE_SLOW_CONSUMER = 1013;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2_147_483_647;

export interface SubscriptionServerOptions {
  readonly schema: GraphQLSchema;
  readonly verifier: TokenVerifier;
  readonly notifications: Notifications;
  /** A fresh request's records for the caller (each reviewDue look is one request). */
  readonly recordsFor: (principal: Principal) => PatientRecords;
  readonly isReady: () => boolean;
  readonly logger: Logger;
}

interface Connection {
  readonly principal: Principal;
  readonly socket: WebSocket;
}

/** The token from connection_init: `{ authorization: "Bearer …" }` (also `Authorization`). */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = params?.['authorization'] ?? params?.['Authorization'];
  return typeof value === 'string' ? value : undefined;
}

/**
 * GraphQL subscriptions over WebSocket (the graphql-ws protocol) on the HTTP server's own port and
 * path, as Apollo Server documents it: `ws` with graphql-ws's `useServer` on the same schema. The
 * token is verified by the same verifier as HTTP requests, once, in connection_init: no token
 * closes the socket with 4401, a refused one with 4403, and the socket is closed with 4403 when
 * the token expires. Only subscriptions are served here (queries and mutations go over HTTP,
 * where the access log and limits of a request apply); documents get the same parse and
 * validation limits as over HTTP.
 */
export function attachSubscriptions(server: Server, options: SubscriptionServerOptions) {
  const { notifications, logger } = options;
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 64 * 1024 });
  const connections = new WeakMap<object, Connection>();
  const expiries = new Set<NodeJS.Timeout>();
  const rules = [...specifiedRules, ...queryLimits().validationRules];

  const subscribe: GraphQLFieldResolver<unknown, Connection> = (_root, _args, connection, info) => {
    const { actor } = connection.principal;
    // The policy's row for an organisation's own lists: care professionals only.
    const decision = decideNotices(actor);
    if (decision.outcome === 'DENIED')
      throw new GraphQLError(decision.message, {
        extensions: { code: 'FORBIDDEN', reason: decision.reason },
      });
    if (info.fieldName === 'planChanged')
      return notifications.live.planChanged(actor, () =>
        connection.socket.close(CLOSE_SLOW_CONSUMER, 'Subscriber too slow: notices were dropped'),
      );
    return reviewDueNotices(
      () => options.recordsFor(connection.principal),
      notifications.clock,
      notifications.reviewDuePollMs,
    );
  };

  const disposable = useServer(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        if (authorization === undefined) {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
          return false;
        }
        if (!options.isReady()) {
          ctx.extra.socket.close(1013, 'Not ready');
          return false;
        }
        let principal: Principal;
        try {
          principal = await options.verifier.verify(authorization);
        } catch (e) {
          if (e instanceof AuthenticationError) return false; // 4403 Forbidden, as graphql-ws closes
          throw e;
        }
        const socket = ctx.extra.socket;
        connections.set(ctx, { principal, socket });
        const exp = decodeJwt(authorization.replace(/^Bearer +/i, '')).exp;
        if (exp !== undefined) {
          const timer = setTimeout(
            () => socket.close(CLOSE_FORBIDDEN, 'Token expired'),
            Math.min(MAX_TIMER_MS, Math.max(0, exp * 1000 - Date.now())),
          );
          expiries.add(timer);
          socket.once('close', () => {
            clearTimeout(timer);
            expiries.delete(timer);
          });
        }
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const connection = connections.get(ctx);
        if (!connection)
          return [new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED' } })];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: QUERY_LIMITS.maxTokens });
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError('Malformed query')];
        }
        const errors = validate(options.schema, document, rules);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription')
          return [
            new GraphQLError(
              'Only subscriptions are served on the socket; send queries and mutations over HTTP',
              {
                extensions: { code: 'BAD_USER_INPUT', field: 'query' },
              },
            ),
          ];
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: connection,
          subscribeFieldResolver: subscribe,
        };
      },
      onError: (_ctx, _id, _payload, errors) => {
        for (const e of errors)
          if (!e.extensions?.['code']) logger.warn({ err: e.message }, 'subscription failed');
        return errors.map((e) => ({
          message: e.extensions?.['code'] ? e.message : 'Internal server error',
          extensions: { code: e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR', ...(e.extensions ?? {}) },
        }));
      },
    },
    wss,
  );

  return {
    get clients(): number {
      return wss.clients.size;
    },
    async close() {
      for (const t of expiries) clearTimeout(t);
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
    },
  };
}
