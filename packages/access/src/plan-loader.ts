import DataLoader from 'dataloader';
import type { CurrentPlanRow, Queries } from '@pzp/projections';

export type PlanLoader = DataLoader<string, CurrentPlanRow | undefined>;

/**
 * Per-request batching and caching of plan lookups by pseudonym: however many reads of one
 * request ask for plans (a list of reviews due, several fields of a query), the read model is
 * asked once per tick with all of them.
 */
export function createPlanLoader(queries: Pick<Queries, 'currentPlan' | 'currentPlans'>): PlanLoader {
  return new DataLoader<string, CurrentPlanRow | undefined>((pseudonyms) =>
    // One patient (the usual lookup): the plain keyed statement; more: one statement for all.
    Promise.resolve(
      pseudonyms.length === 1 ? [queries.currentPlan(pseudonyms[0]!)] : queries.currentPlans(pseudonyms),
    ),
  );
}
