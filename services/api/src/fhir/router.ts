import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { PatientRecords } from '@pzp/access';
import type { Principal, TokenVerifier } from '../auth/index.js';
import type { Logger } from '../logger.js';
import { accessOf, PURPOSE_HEADER } from './access.js';
import { capabilityStatement } from './capability.js';
import { FHIR_JSON, FhirError, sendError, sendFhir, toFhirError } from './outcome.js';
import { LocalDate } from '@pzp/domain';
import { AtInstant } from './params.js';
import { AGREED_ON, POINT_IN_TIME, ROUTES, type FhirRoute, type Interaction } from './routes.js';
import { ifMatchOf, WRITE_ROUTES, type FhirWriteRoute } from './write-routes.js';
import { RenderCache } from './render-cache.js';

/** The largest body a write takes: a national form is some 25 kB. */
const MAX_BODY = '256kb';

export interface FhirApiOptions {
  readonly verifier: TokenVerifier;
  /** The caller's records through the access door: the FHIR API's only way to patient data. */
  readonly recordsFor: (principal: Principal, requestId: string) => PatientRecords;
  readonly isReady: () => boolean;
  readonly logger: Logger;
  /** The most bytes of rendered answers kept (see render-cache.ts); 8 MiB unless given, 0: none. */
  readonly renderCacheBytes?: number;
}

type Target =
  | { readonly kind: 'capabilities' }
  | { readonly kind: 'interaction'; readonly route: FhirRoute; readonly id: string }
  | { readonly kind: 'write'; readonly route: FhirWriteRoute; readonly id: string }
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
  const write = WRITE_ROUTES.find(
    (w) =>
      (w.interaction === 'transaction' && req.method === 'POST' && segments.length === 0) ||
      (w.interaction === 'create' && req.method === 'POST' && segments.length === 1 && w.type === type) ||
      (w.interaction === 'update' && req.method === 'PUT' && segments.length === 2 && w.type === type),
  );
  if (write) return { kind: 'write', route: write, id: segments[1] ?? '' };
  // The base itself: no system-level interaction (transaction, batch, search-system) is offered.
  if (type === undefined) return { kind: 'unsupported' };
  if (!TYPES.has(type) || segments.length > 4) return { kind: 'unknown' };
  const interaction = interactionOf(req.method, segments);
  const route = ROUTES.find((r) => r.type === type && r.interaction === interaction);
  return route ? { kind: 'interaction', route, id: segments[1] ?? '' } : { kind: 'unsupported' };
}

/** The query key of a parameter: its name, with the one modifier the guide's search uses. */
const queryName = (p: FhirRoute['searchParams'][number]) =>
  p.key ?? (p.modifier ? `${p.name}:${p.modifier}` : p.name);

const badRequest = (message: string) => new FhirError(400, 'invalid', message);

/**
 * A value the parameter's schema refused. The parameter's own documentation (as the
 * CapabilityStatement gives it) says what is taken; the value itself is never echoed, since it may
 * carry a BSN.
 */
const unsupportedValue = (param: { name: string; documentation: string }) =>
  badRequest(
    `Search parameter ${param.name}: not a supported value. This server takes: ${param.documentation}`,
  );

/** `_at` of a point-in-time route: one instant, or a 400. */
function atOf(raw: string | string[]): Date {
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  const parsed = values.length === 1 ? AtInstant.safeParse(values[0]) : undefined;
  if (!parsed?.success) throw unsupportedValue(POINT_IN_TIME);
  return parsed.data;
}

/** `agreed-on` of a point-in-time route: one date, or a 400. */
function agreedOnOf(raw: string | string[]): string {
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  if (values.length !== 1 || !LocalDate.safeParse(values[0]).success) throw unsupportedValue(AGREED_ON);
  return values[0]!;
}

interface Search {
  params: Map<string, string>;
  values: Map<string, string[]>;
  includes: Set<string>;
  at: Date | undefined;
  agreedOn?: string | undefined;
}

/** A plan at one point: as held at an instant, or as agreed on a date, never both. */
function oneTime(search: Search): Search {
  if (search.at && search.agreedOn)
    throw badRequest(`${POINT_IN_TIME.name} and ${AGREED_ON.name} ask different questions: give one`);
  return search;
}

/** The query as the route declares it; anything it does not declare is refused (strict handling). */
function searchOf(route: FhirRoute, req: Request): Search {
  const params = new Map<string, string>();
  const all = new Map<string, string[]>();
  const includes = new Set<string>();
  let at: Date | undefined;
  let agreedOn: string | undefined;
  for (const [key, raw] of Object.entries(req.query as Record<string, string | string[]>)) {
    let name = key;
    let values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
    // The data-exchange page writes `_include:Procedure:encounter`; read it as `_include=Procedure:encounter`.
    if (key.startsWith('_include:') && values.every((v) => v === '')) {
      name = '_include';
      values = [key.slice('_include:'.length)];
    }
    if (name === POINT_IN_TIME.name && route.pointInTime) {
      at = atOf(raw);
      continue;
    }
    if (name === AGREED_ON.name && route.pointInTime) {
      agreedOn = agreedOnOf(raw);
      continue;
    }
    if (name === '_include' && route.includes.length > 0) {
      for (const given of values) {
        const v = route.includeAliases?.[given] ?? given;
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
    const repeats = declared.repeats ?? 1;
    if (values.length < 1 || values.length > repeats || values.some((v) => typeof v !== 'string'))
      throw badRequest(
        repeats === 1
          ? `Search parameter ${name} may be given once`
          : `Search parameter ${name} may be given at most ${repeats} times`,
      );
    const parsedValues = values.map((v) => {
      const parsed = declared.value.safeParse(v);
      if (!parsed.success) throw unsupportedValue({ name, documentation: declared.documentation });
      return parsed.data;
    });
    params.set(declared.name, parsedValues[0]!);
    all.set(declared.name, parsedValues);
  }
  for (const p of route.searchParams)
    if (p.required && !params.has(p.name)) throw badRequest(`Search parameter ${queryName(p)} is required`);
  return oneTime({ params, values: all, includes, at, agreedOn });
}

/** A read's query: only `_at` or `agreed-on`, on a point-in-time route (other parameters of a read are not searched). */
function readOf(route: FhirRoute, req: Request): Search {
  const query = req.query as Record<string, string | string[]>;
  const raw = query[POINT_IN_TIME.name];
  const rawAgreed = query[AGREED_ON.name];
  const at = route.pointInTime && raw !== undefined ? atOf(raw) : undefined;
  const agreedOn = route.pointInTime && rawAgreed !== undefined ? agreedOnOf(rawAgreed) : undefined;
  return oneTime({ params: new Map(), values: new Map(), includes: new Set(), at, agreedOn });
}

/**
 * The FHIR R4 API (IKNL PZP guide, ACP Provider) at /fhir. Authentication and the access door
 * work exactly as for GraphQL: the token verifier gives the principal, and every read goes
 * through the caller's records, which apply the policy and write the access record.
 */
export function fhirRouter(options: FhirApiOptions): Router {
  const router = express.Router();
  const cache = new RenderCache(options.renderCacheBytes);
  const base = (req: Request) => `${req.protocol}://${req.get('host')}${req.baseUrl}`;
  const requestIdOf = (req: Request) => {
    const header = req.headers['x-request-id'];
    return (typeof header === 'string' && header.trim().slice(0, 100)) || randomUUID();
  };

  /** A write: the body as FHIR JSON, If-Match as the expected plan version, the caller from the token. */
  async function write(
    req: Request,
    res: Response,
    { route, id }: { route: FhirWriteRoute; id: string },
    principal: Principal,
  ) {
    if (!req.is([FHIR_JSON, 'application/json']))
      throw new FhirError(415, 'not-supported', `Send the resource as ${FHIR_JSON}`);
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      throw new FhirError(400, 'structure', 'The body is not valid JSON');
    }
    const records = options.recordsFor(principal, requestIdOf(req));
    const out = await route.handle({
      records,
      actor: principal.actor,
      body,
      id,
      ifMatch: ifMatchOf(req.get('if-match')),
      base: base(req),
    });
    if (out.location) res.setHeader('location', out.location);
    if (out.etag) res.setHeader('etag', out.etag);
    sendFhir(res, out.status, out.resource);
  }

  // The body of a write, as text: parsed above, so that bad JSON is an OperationOutcome like any other error.
  // Only a write has a body: a read is not handed to the parser at all.
  const text = express.text({ type: [FHIR_JSON, 'application/json'], limit: MAX_BODY });
  router.use((req, res, next) => (req.method === 'GET' ? next() : text(req, res, next)));

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
      if (target.kind === 'write') return await write(req, res, target, principal);
      const { route, id } = target;
      const { params, values, includes, at, agreedOn } =
        route.interaction === 'search-type' ? searchOf(route, req) : readOf(route, req);
      const access = { ...accessOf(req), explicitPurpose: req.get(PURPOSE_HEADER) !== undefined };
      const records = options.recordsFor(principal, requestIdOf(req));
      const resource = await route.handle({
        records,
        access,
        id,
        params,
        values,
        at,
        agreedOn,
        includes,
        base: base(req),
        cache,
      });
      sendFhir(res, 200, resource);
    } catch (e) {
      const error = toFhirError(e);
      if (error) return sendError(res, error);
      options.logger.error({ err: e instanceof Error ? { type: e.name } : undefined }, 'FHIR request failed');
      sendError(res, new FhirError(500, 'exception', 'Internal server error'));
    }
  });
  // A body too large (or unreadable) for express.text: an OperationOutcome, never an HTML page.
  router.use((e: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const tooLarge = (e as { type?: string }).type === 'entity.too.large';
    sendError(
      res,
      new FhirError(
        tooLarge ? 413 : 400,
        tooLarge ? 'too-costly' : 'structure',
        tooLarge ? `The body is larger than ${MAX_BODY}` : 'The body could not be read',
      ),
    );
  });
  return router;
}
