import type { CapabilityStatement, CapabilityStatementRestResource } from '@pzp/fhir';
import { IKNL, IMPLEMENTATION_GUIDE } from '@pzp/fhir';
import { PURPOSE_HEADER, BREAK_GLASS_HEADER } from './access.js';
import type { FhirRoute } from './routes.js';

/** When this statement last changed in substance (FHIR wants a date; "now" would say nothing). */
const STATEMENT_DATE = '2026-12-01';

/**
 * The CapabilityStatement, made from the route table: one resource entry per type, with exactly
 * the interactions, search parameters and _include values the routes answer.
 */
export function capabilityStatement(routes: readonly FhirRoute[], base: string): CapabilityStatement {
  const types = [...new Set(routes.map((r) => r.type))];
  const resource: CapabilityStatementRestResource[] = types.map((type) => {
    const own = routes.filter((r) => r.type === type);
    const searchParam = own.flatMap((r) =>
      r.searchParams.map((p) => ({
        name: p.name,
        type: p.type,
        documentation: p.modifier ? `With :${p.modifier} only. ${p.documentation}` : p.documentation,
      })),
    );
    const searchInclude = own.flatMap((r) => r.includes);
    return {
      type,
      supportedProfile: [...new Set(own.flatMap((r) => r.profiles))],
      interaction: own.map((r) => ({ code: r.interaction, documentation: r.documentation })),
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
          `breaking the glass needs the reason in header ${BREAK_GLASS_HEADER}. Unknown search parameters are refused (400).`,
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
      },
    ],
  };
}
