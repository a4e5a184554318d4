/** The GraphQL documents the end-to-end tests play, as an integrator would write them. */
export const RECORD_FIELDS = `
  version asOf accessFlagged lastDiscussedOn reviewDueOn
  patient { bsn name birthDate }
  treatmentDirectives {
    key status decision specification summary decidedOn
    treatment { code display }
    parties { kind name profession }
    provenance { changeId recordedAt byRegiebehandelaar recordedBy { id name profession organization { name type } } }
  }
  lifeWishes { wishId text }
  medicalPolicyGoal { code display }
  preferredPlaceOfDeath { code display }
  representatives { name phone role roleDisplay relationship }
  regiebehandelaar { role practitioner { id name profession } organization { name } from }
  sharingConsent { organizationType decision }
  warnings { code message subject }
`;

export const RECORD_CONVERSATION = `
  mutation Record($input: RecordConversationInput!) {
    recordConversation(input: $input) {
      record { ${RECORD_FIELDS} }
      changes { version changeId type summary recordedBy { name } }
    }
  }`;

export const ASSIGN_ROLE = `
  mutation Assign($input: AssignRoleInput!) {
    assignRole(input: $input) { record { version regiebehandelaar { practitioner { id } } } changes { type } }
  }`;

export const SET_DIRECTIVE = `
  mutation Set($input: SetTreatmentDirectiveInput!) {
    setTreatmentDirective(input: $input) {
      record { version treatmentDirectives { key decision status specification } }
      changes { version changeId type }
    }
  }`;

export const PZP = `
  query Pzp($bsn: BSN!, $purpose: AccessPurpose, $reason: String) {
    pzp(bsn: $bsn, purpose: $purpose, breakGlassReason: $reason) { ${RECORD_FIELDS} }
  }`;

export const PZP_AS_OF = `
  query AsOf($bsn: BSN!, $at: DateTime!) { pzpAsOf(bsn: $bsn, at: $at) { ${RECORD_FIELDS} } }`;

export const HISTORY = `
  query History($bsn: BSN!, $first: Int, $after: String) {
    pzpHistory(bsn: $bsn, first: $first, after: $after) {
      edges { cursor node { version changeId type recordedAt summary reason enteredInError
        recordedBy { id name profession organization { name } } changes { section key before after } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

export const ACCESS_LOG = `
  query Log($bsn: BSN!, $first: Int, $after: String) {
    accessLog(bsn: $bsn, first: $first, after: $after) {
      edges { node { id at action outcome basis purpose flagged breakGlassReason planVersion clientSystem
        user { id name profession organization { name type } } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
