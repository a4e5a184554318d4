import type { Bundle, Resource } from '@medplum/fhirtypes';

export interface SearchEntry {
  readonly resource: Resource;
  readonly mode: 'match' | 'include';
}

/**
 * A searchset Bundle: matches first, then each included resource once (a party of several
 * directives is one entry). `total` counts the matches only, as FHIR defines it.
 */
export function searchset(baseUrl: string, entries: readonly SearchEntry[]): Bundle {
  const seen = new Set<string>();
  const unique = entries.filter(({ resource }) => {
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const ordered = [
    ...unique.filter((e) => e.mode === 'match'),
    ...unique.filter((e) => e.mode === 'include'),
  ];
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: ordered.filter((e) => e.mode === 'match').length,
    entry: ordered.map(({ resource, mode }) => ({
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode },
    })),
  };
}
