import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import type { MetricRegistry } from './registry.js';
import { outcomeCode, type GraphqlOutcome } from './labels.js';
import { operationLabel, type KnownOperations } from './operations.js';

const OUTCOME = Symbol('pzp.graphql.outcome');
const RESPONSE = Symbol('pzp.graphql.response');
type Observed = Response & { locals: { [OUTCOME]?: GraphqlOutcome } };
/** Apollo shallow-copies the context per operation: an own enumerable property survives that. */
type Bound = { [RESPONSE]?: Observed };

/**
 * GraphQL request metrics in two halves: Express middleware that times every /graphql request
 * (also those refused before Apollo: not ready, unauthenticated, bad JSON), and an Apollo plugin
 * that tells it the operation and the outcome of those Apollo answered. `bind` puts a request's
 * response on its context, since Apollo's plugins see the context and not the response.
 */
export function graphqlMetrics(metrics: MetricRegistry, known: KnownOperations) {
  const middleware = (_req: Request, res: Response, next: NextFunction) => {
    const stop = metrics.graphqlRequests.startTimer();
    res.once('close', () => {
      const outcome = (res as Observed).locals[OUTCOME];
      stop({
        operation: outcome?.operation ?? 'other',
        code: outcome?.code ?? outcomeCode([], res.statusCode),
      });
    });
    next();
  };

  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operationName, response, schema }) {
          const res = (contextValue as Bound)[RESPONSE];
          if (res === undefined) return;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          res.locals[OUTCOME] = {
            operation: operationLabel(operationName, known, schema),
            code: outcomeCode(errors, response.http.status ?? 200),
          };
        },
      };
    },
  };

  return {
    middleware,
    plugin,
    bind(context: object, res: Response): void {
      (context as Bound)[RESPONSE] = res as Observed;
    },
  };
}

export type GraphqlMetrics = ReturnType<typeof graphqlMetrics>;
