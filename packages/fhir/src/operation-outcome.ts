import type { OperationOutcome } from '@medplum/fhirtypes';

/** The FHIR issue types the API answers with (http://hl7.org/fhir/issue-type). */
export type IssueCode =
  | 'invalid'
  | 'value'
  | 'not-supported'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'transient'
  | 'exception'
  | 'too-costly'
  | 'conflict'
  | 'required'
  | 'structure'
  | 'processing'
  | 'deleted';

/** One issue of several (a form's offending answers): what is wrong, and where (FHIRPath). */
export interface OutcomeIssue {
  readonly diagnostics: string;
  readonly expression?: readonly string[];
}

/**
 * One error as an OperationOutcome. `diagnostics` is a fixed sentence of the API's own, never a
 * value the caller sent (a BSN in a bad search would otherwise end up in client logs); `reason`
 * is a machine-readable code (the access door's refusal reason) in `details`.
 */
export function operationOutcome(
  code: IssueCode,
  diagnostics: string,
  reason?: { readonly system: string; readonly code: string },
  issues: readonly OutcomeIssue[] = [],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code,
        diagnostics,
        ...(reason ? { details: { coding: [{ system: reason.system, code: reason.code }] } } : {}),
      },
      ...issues.map((i) => ({
        severity: 'error' as const,
        code,
        diagnostics: i.diagnostics,
        ...(i.expression ? { expression: [...i.expression] } : {}),
      })),
    ],
  };
}
