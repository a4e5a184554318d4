/**
 * The metadata both adapters store: the caller's JSON object, undefined meaning {}. Anything else
 * is refused on every adapter alike, because EventStoreDB keeps the chain link among its keys.
 */
export function metadataObject(metadata: unknown): Record<string, unknown> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError('Event metadata must be a JSON object');
  }
  return metadata as Record<string, unknown>;
}
