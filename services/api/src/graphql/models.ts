import type { AccessRecord, Decision, ItemChange, PendingRevision, PlanView, Treatment } from '@pzp/domain';
import type { ChangeRecord } from '@pzp/access';

/** What a PzpRecord resolves from: the domain's view of one plan at one moment, as is. */
export type RecordModel = PlanView & {
  readonly pseudonym: string;
  readonly version: number;
  /** ISO instant the view reflects. */
  readonly asOf: string;
  readonly accessFlagged: boolean;
};

export type ChangeModel = ChangeRecord;

export type AccessLogModel = AccessRecord;

type AnswerOf<K extends 'medicalPolicyGoal' | 'preferredPlaceOfDeath' | 'euthanasiaPosition'> = NonNullable<
  PlanView[K]
>;
export type MedicalPolicyGoalModel = AnswerOf<'medicalPolicyGoal'>;
export type PlaceOfDeathModel = AnswerOf<'preferredPlaceOfDeath'>;
export interface CodedAnswerModel {
  readonly value: string;
  readonly decidedOn: string;
  readonly comment?: string | undefined;
  readonly provenance: NonNullable<PlanView['medicalPolicyGoal']>['provenance'];
}

export interface MutationResultModel {
  readonly record: RecordModel;
  readonly changes: readonly ChangeModel[];
}

export interface VoidResultModel {
  readonly version: number;
  readonly changes: readonly ChangeModel[];
}

/** A decision with its specification: resolved to Perform, DoNotPerform or OnlyUnderConditions. */
export interface AgreementModel {
  readonly decision: Decision;
  readonly specification?: string | undefined;
}

export type PendingRevisionModel = PendingRevision & { readonly summary: string };

export type TreatmentModel = Treatment & { readonly display: string };
export type ContactPersonModel = PlanView['contactPersons'][number];

/** One item a change touched, before and after, as history stored it (the plan's own shape). */
export type ItemChangeModel = ItemChange;
