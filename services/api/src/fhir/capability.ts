import type { CapabilityStatement, CapabilityStatementRestResource } from '@pzp/fhir';
import { IKNL, IMPLEMENTATION_GUIDE } from '@pzp/fhir';
import { PURPOSE_HEADER, BREAK_GLASS_HEADER } from './access.js';
import { AGREED_ON, POINT_IN_TIME, type FhirRoute } from './routes.js';
import { WRITE_ROUTES, type FhirWriteRoute } from './write-routes.js';

/** When this statement last changed in substance (FHIR wants a date; "now" would say nothing). */
const STATEMENT_DATE = '2026-12-01';

/**
 * The CapabilityStatement, made from the route table: one resource entry per type, with exactly
 * the interactions, search parameters and _include values the routes answer.
 */
export function capabilityStatement(
  routes: readonly FhirRoute[],
  base: string,
  writes: readonly FhirWriteRoute[] = WRITE_ROUTES,
): CapabilityStatement {
  const types = [...new Set(routes.map((r) => r.type))];
  const resource: CapabilityStatementRestResource[] = types.map((type) => {
    const own = routes.filter((r) => r.type === type);
    const searchParam = own.flatMap((r) => [
      ...r.searchParams.map((p) => ({
        name: p.name,
        type: p.type,
        documentation: p.modifier ? `With :${p.modifier} only. ${p.documentation}` : p.documentation,
      })),
      // Point in time: the one shared parameter of every route that reads the plan (router and planOf).
      ...(r.pointInTime && r.interaction === 'search-type'
        ? [
            { name: POINT_IN_TIME.name, type: 'date' as const, documentation: POINT_IN_TIME.documentation },
            { name: AGREED_ON.name, type: 'date' as const, documentation: AGREED_ON.documentation },
          ]
        : []),
    ]);
    const searchInclude = own.flatMap((r) => r.includes);
    return {
      type,
      supportedProfile: [...new Set(own.flatMap((r) => r.profiles))],
      interaction: [
        ...own.map((r) => ({
          code: r.interaction,
          documentation:
            r.pointInTime && r.interaction === 'read'
              ? `${r.documentation}. ${POINT_IN_TIME.name}: ${POINT_IN_TIME.documentation}. ${AGREED_ON.name}: ${AGREED_ON.documentation}`
              : r.documentation,
        })),
        ...writes
          .filter((w) => w.type === type)
          .flatMap((w) =>
            w.interaction === 'transaction' ? [] : [{ code: w.interaction, documentation: w.documentation }],
          ),
      ],
      ...(searchParam.length ? { searchParam } : {}),
      ...(searchInclude.length ? { searchInclude } : {}),
    };
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: STATEMENT_DATE,
    kind: 'instance',
    software: { name: 'PZP registry' },
    implementation: { description: 'PZP registry: ACP Provider (IKNL PZP guide)', url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    implementationGuide: [`${IKNL}/ImplementationGuide/${IMPLEMENTATION_GUIDE}`],
    rest: [
      {
        mode: 'server',
        documentation:
          `Every read goes through the registry's access policy and is recorded (NEN 7513). ` +
          `Purpose of use: header ${PURPOSE_HEADER} (TREATMENT, the default; EMERGENCY; BREAK_THE_GLASS; AUDIT); ` +
          `breaking the glass needs the reason in header ${BREAK_GLASS_HEADER}. Unknown search parameters are refused (400). ` +
          `Point in time: ${POINT_IN_TIME.name}=<instant> on every search and read of the plan answers as the registry held it then; ` +
          `${AGREED_ON.name}=<date> as it had been agreed by then (valid time).`,
        security: {
          service: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' },
              ],
            },
          ],
          description:
            'Authorization: Bearer <JWT> naming the person, their organisation and the client system',
        },
        resource,
        interaction: writes
          .filter((w) => w.interaction === 'transaction')
          .map((w) => ({ code: 'transaction' as const, documentation: w.documentation })),
      },
    ],
  };
}
