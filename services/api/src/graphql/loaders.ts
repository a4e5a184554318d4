import DataLoader from 'dataloader';
import type { CurrentPlanRow, Queries } from '@pzp/projections';

/**
 * Per-request batching and caching of read-model lookups: however many fields ask for plans in one
 * request, the read model is asked once per tick with all of them.
 */
export function createLoaders(queries: Queries) {
  return {
    plan: new DataLoader<string, CurrentPlanRow | undefined>((pseudonyms) =>
      // One patient (the usual lookup): the plain keyed statement; more: one statement for all.
      Promise.resolve(
        pseudonyms.length === 1 ? [queries.currentPlan(pseudonyms[0]!)] : queries.currentPlans(pseudonyms),
      ),
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
