/** What a GraphQL request is counted as. */
export interface GraphqlOutcome {
  readonly operation: string;
  readonly code: string;
}

/** Error codes as this server makes them; anything else (it should not happen) is not a label. */
const CODE = /^[A-Z][A-Z_]{0,39}$/;

/** HTTP statuses of answers Apollo did not give (see app.ts and errors.ts), as their codes. */
const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'BAD_REQUEST',
  415: 'BAD_REQUEST',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

/** OK when there are no errors, else the first error's code; without one, the status's. */
export function outcomeCode(
  errors: readonly { readonly extensions?: Readonly<Record<string, unknown>> }[],
  status: number,
): string {
  const code = errors[0]?.extensions?.code;
  if (typeof code === 'string') return CODE.test(code) ? code : 'OTHER';
  if (errors.length === 0 && status < 400) return 'OK';
  return CODE_OF_STATUS[status] ?? (status < 400 ? 'OK' : 'OTHER');
}
