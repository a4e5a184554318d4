import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from './context.js';
import { graphqlHttp, isGraphqlPath } from './http.js';

// The HTTP edge of /graphql on its own: a two-field schema, so what is tested is the edge.
const typeDefs = 'type Query { hello: String! slow: String! }';
let release: () => void = () => {};
const resolvers = {
  Query: {
    hello: () => 'hallo',
    slow: () => new Promise<string>((resolve) => (release = () => resolve('laat'))),
  },
};

let ready = true;
const errors: unknown[] = [];
let server: Server;
let url: string;
let apollo: ApolloServer<RequestContext>;

beforeAll(async () => {
  apollo = new ApolloServer<RequestContext>({ typeDefs, resolvers });
  await apollo.start();
  const handle = graphqlHttp({
    apollo,
    requestTimeoutMs: 1_500,
    isReady: () => ready,
    logger: { error: (...args: unknown[]) => errors.push(args) } as never,
    context: (req) => {
      if (req.headers.authorization !== 'Bearer ok')
        return Promise.reject(
          new GraphQLError('No token', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }),
        );
      return Promise.resolve({} as RequestContext);
    },
  });
  server = createServer(handle).listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  release();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await apollo.stop();
});

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer ok', ...headers },
    body,
  });

describe('/graphql over bare node:http', () => {
  it('answers a query, never cacheable', async () => {
    const response = await post(JSON.stringify({ query: '{ hello }' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ data: { hello: 'hallo' } });
  });

  it('answers a GET query from the search string (with the CSRF header Apollo asks for)', async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent('{ hello }')}`, {
      headers: { authorization: 'Bearer ok', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: 'hallo' } });
  });

  it('refuses a caller without a valid token with 401 UNAUTHENTICATED', async () => {
    const response = await post(JSON.stringify({ query: '{ hello }' }), { authorization: 'Bearer no' });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses malformed JSON with 400 BAD_REQUEST in the GraphQL shape', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Malformed request', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('refuses a body over 256kb with 413', async () => {
    const response = await post(
      JSON.stringify({ query: '{ hello }', variables: { pad: 'x'.repeat(300_000) } }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request body exceeds 256kb', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('answers 503 SERVICE_UNAVAILABLE while not ready, before reading the caller', async () => {
    ready = false;
    try {
      const response = await post(JSON.stringify({ query: '{ hello }' }), { authorization: 'Bearer no' });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      ready = true;
    }
  });

  it('answers 503 TIMEOUT when the answer takes longer than the request timeout, and only once', async () => {
    const response = await post(JSON.stringify({ query: '{ slow }' }));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Request timed out', extensions: { code: 'TIMEOUT' } }],
    });
    release(); // the late answer finds the response sent, and writes nothing more
    const after = await post(JSON.stringify({ query: '{ hello }' }));
    expect(after.status).toBe(200);
    expect(errors).toEqual([]);
  });
});

describe('isGraphqlPath', () => {
  it('takes the paths express mounted /graphql on, in any case, and no other', () => {
    for (const path of ['/graphql', '/graphql/', '/graphql?query=x', '/GraphQL', '/graphql/x'])
      expect(isGraphqlPath(path), path).toBe(true);
    for (const path of ['/', '/graphq', '/graphqlx', '/fhir/graphql', '/graphql-ws', undefined])
      expect(isGraphqlPath(path), String(path)).toBe(false);
  });
});
