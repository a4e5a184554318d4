import { destroyedRecord, viaDoor } from '../door-errors.js';
import { apiError } from '../errors.js';
import type { MutationResolvers } from '../generated/resolvers-types.js';

export const destructionMutations: Pick<MutationResolvers, 'destroyRecord'> = {
  destroyRecord: async (_, { input }, ctx) => {
    const result = await viaDoor(
      ctx.records.change(input.bsn, {
        expectedVersion: input.expectedVersion,
        type: 'DestroyRecord',
        data: { grounds: input.grounds, ...(input.reference == null ? {} : { reference: input.reference }) },
      }),
    );
    // The door reads it back from this node's read models, which applied the destruction.
    if (!result.destroyed) throw apiError('NOT_FOUND', 'The registry holds no plan for this patient');
    return destroyedRecord(result.destroyed);
  },
};
