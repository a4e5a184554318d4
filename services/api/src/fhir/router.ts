import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { PatientRecords } from '@pzp/access';
import type { Principal, TokenVerifier } from '../auth/index.js';
import type { Logger } from '../logger.js';
import { accessOf } from './access.js';
import { capabilityStatement } from './capability.js';
import { FhirError, sendError, sendFhir, toFhirError } from './outcome.js';
import { ROUTES, type FhirRoute, type Interaction } from './routes.js';

export interface FhirApiOptions {
  readonly verifier: TokenVerifier;
  /** The caller's records through the access door: the FHIR API's only way to patient data. */
  readonly recordsFor: (principal: Principal, requestId: string) => PatientRecords;
  readonly isReady: () => boolean;
  readonly logger: Logger;
}

type Target =
  | { readonly kind: 'capabilities' }
  | { readonly kind: 'interaction'; readonly route: FhirRoute; readonly id: string }
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'unknown' };

const TYPES = new Set<string>(ROUTES.map((r) => r.type));

/** The FHIR RESTful interaction a request is, by method and path (http.html#summary). */
function interactionOf(method: string, segments: readonly string[]): Interaction | undefined {
  const [, id, history, version] = segments;
  if (segments.length === 1)
    return method === 'GET' ? 'search-type' : method === 'POST' ? 'create' : undefined;
  if (id === '_history') return segments.length === 2 ? 'history-type' : undefined;
  if (segments.length === 2) {
    const byMethod: Record<string, Interaction> = {
      GET: 'read',
      PUT: 'update',
      PATCH: 'patch',
      DELETE: 'delete',
    };
    return byMethod[method];
  }
  if (history === '_history') return version === undefined ? 'history-instance' : 'vread';
  return undefined;
}

/** What the request asks for: only a route of the table answers; a known type's other interactions are 405. */
function targetOf(req: Request): Target {
  const segments = req.path.split('/').filter(Boolean);
  if (segments.length === 1 && segments[0] === 'metadata')
    return req.method === 'GET' ? { kind: 'capabilities' } : { kind: 'unsupported' };
  const [type] = segments;
  // The base itself: no system-level interaction (transaction, batch, search-system) is offered.
  if (type === undefined) return { kind: 'unsupported' };
  if (!TYPES.has(type) || segments.length > 4) return { kind: 'unknown' };
  const interaction = interactionOf(req.method, segments);
  const route = ROUTES.find((r) => r.type === type && r.interaction === interaction);
  return route ? { kind: 'interaction', route, id: segments[1] ?? '' } : { kind: 'unsupported' };
}

/** The query key of a parameter: its name, with the one modifier the guide's search uses. */
const queryName = (p: FhirRoute['searchParams'][number]) => (p.modifier ? `${p.name}:${p.modifier}` : p.name);

const badRequest = (message: string) => new FhirError(400, 'invalid', message);

/** The query as the route declares it; anything it does not declare is refused (strict handling). */
function searchOf(route: FhirRoute, req: Request): { params: Map<string, string>; includes: Set<string> } {
  const params = new Map<string, string>();
  const includes = new Set<string>();
  for (const [key, raw] of Object.entries(req.query as Record<string, string | string[]>)) {
    let name = key;
    let values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    // The data-exchange page writes `_include:Procedure:encounter`; read it as `_include=Procedure:encounter`.
    if (key.startsWith('_include:') && values.every((v) => v === '')) {
      name = '_include';
      values = [key.slice('_include:'.length)];
    }
    if (name === '_include' && route.includes.length > 0) {
      for (const v of values) {
        if (!route.includes.includes(v))
          throw badRequest(`_include supports only ${route.includes.join(', ')}`);
        includes.add(v);
      }
      continue;
    }
    const declared = route.searchParams.find((p) => queryName(p) === name);
    // The caller's parameter name is not repeated back: it could carry anything.
    if (!declared)
      throw badRequest(
        `Unknown search parameter for ${route.type}: this server supports ${route.searchParams.map(queryName).join(', ') || 'none'}`,
      );
    if (values.length !== 1 || typeof values[0] !== 'string')
      throw badRequest(`Search parameter ${name} may be given once`);
    const parsed = declared.value.safeParse(values[0]);
    if (!parsed.success)
      throw badRequest(`Search parameter ${name}: not a supported value; expected ${declared.documentation}`);
    params.set(declared.name, parsed.data);
  }
  for (const p of route.searchParams)
    if (p.required && !params.has(p.name)) throw badRequest(`Search parameter ${queryName(p)} is required`);
  return { params, includes };
}

/**
 * The FHIR R4 API (IKNL PZP guide, ACP Provider) at /fhir. Authentication and the access door
 * work exactly as for GraphQL: the token verifier gives the principal, and every read goes
 * through the caller's records, which apply the policy and write the access record.
 */
export function fhirRouter(options: FhirApiOptions): Router {
  const router = express.Router();
  const base = (req: Request) => `${req.protocol}://${req.get('host')}${req.baseUrl}`;

  router.use(async (req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    try {
      if (!options.isReady())
        throw new FhirError(
          503,
          'transient',
          'Not ready: read models are catching up or storage is unavailable',
        );
      const target = targetOf(req);
      if (target.kind === 'unknown')
        throw new FhirError(404, 'not-found', 'No such resource type or path on this server');
      if (target.kind === 'unsupported')
        throw new FhirError(405, 'not-supported', 'This interaction is not supported (see /fhir/metadata)');
      // The CapabilityStatement holds no patient data: clients read it before they have a token.
      if (target.kind === 'capabilities') return sendFhir(res, 200, capabilityStatement(ROUTES, base(req)));

      const principal = await options.verifier.verify(req.headers.authorization);
      const { route, id } = target;
      const { params, includes } =
        route.interaction === 'search-type'
          ? searchOf(route, req)
          : { params: new Map(), includes: new Set<string>() };
      const access = accessOf(req);
      const header = req.headers['x-request-id'];
      const requestId = (typeof header === 'string' && header.trim().slice(0, 100)) || randomUUID();
      const records = options.recordsFor(principal, requestId);
      const resource = await route.handle({ records, access, id, params, includes, base: base(req) });
      sendFhir(res, 200, resource);
    } catch (e) {
      const error = toFhirError(e);
      if (error) return sendError(res, error);
      options.logger.error({ err: e instanceof Error ? { type: e.name } : undefined }, 'FHIR request failed');
      sendError(res, new FhirError(500, 'exception', 'Internal server error'));
    }
  });
  return router;
}
