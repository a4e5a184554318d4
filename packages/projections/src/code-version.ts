/**
 * Version of the domain code whose output the read models store: current_plans.view holds
 * currentView() as it was when the row was written, in view-codec.ts's encoding. (The change
 * history is made from the events on every read, so describeChange's output is stored nowhere.)
 *
 * BUMP IT whenever the output of packages/domain view.ts (currentView) changes, also for a
 * "small" wording change in a summary or warning, and whenever view-codec.ts encodes differently:
 * a node that starts with a different version than its read models were built with rebuilds them
 * from the event store by itself, so no stored view outlives the code that made it. The golden test in
 * code-version.int.spec.ts fails when that output changes and this number did not.
 *
 * Table shape changes are READ_MODEL_SCHEMA_VERSION (read-model-db.ts), not this.
 */
export const PROJECTION_CODE_VERSION = 5;
