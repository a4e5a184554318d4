import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { MetricRegistry } from './registry.js';
import { outcomeCode, type GraphqlOutcome } from './labels.js';
import { operationLabel, type KnownOperations } from './operations.js';

const OUTCOME = Symbol('pzp.graphql.outcome');
const RESPONSE = Symbol('pzp.graphql.response');
type Observed = ServerResponse & { [OUTCOME]?: GraphqlOutcome };
/** Apollo shallow-copies the context per operation: an own enumerable property survives that. */
type Bound = { [RESPONSE]?: Observed };

/**
 * GraphQL request metrics in two halves: `time`, which times every /graphql response from the
 * start (also those refused before Apollo: not ready, unauthenticated, bad JSON), and an Apollo plugin
 * that tells it the operation and the outcome of those Apollo answered. `bind` puts a request's
 * response on its context, since Apollo's plugins see the context and not the response.
 */
export function graphqlMetrics(metrics: MetricRegistry, known: KnownOperations) {
  const time = (res: ServerResponse): void => {
    const stop = metrics.graphqlRequests.startTimer();
    res.once('close', () => {
      const outcome = (res as Observed)[OUTCOME];
      stop({
        operation: outcome?.operation ?? 'other',
        code: outcome?.code ?? outcomeCode([], res.statusCode),
      });
    });
  };

  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operationName, response, schema }) {
          const res = (contextValue as Bound)[RESPONSE];
          if (res === undefined) return;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          res[OUTCOME] = {
            operation: operationLabel(operationName, known, schema),
            code: outcomeCode(errors, response.http.status ?? 200),
          };
        },
      };
    },
  };

  return {
    time,
    plugin,
    bind(context: object, res: ServerResponse): void {
      (context as Bound)[RESPONSE] = res as Observed;
    },
  };
}

export type GraphqlMetrics = ReturnType<typeof graphqlMetrics>;
