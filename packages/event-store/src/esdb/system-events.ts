/**
 * EventStoreDB writes its own events (statistics, stream metadata, projections) into `$all`; their
 * types and streams start with `$`. The registry never writes such names, and its read models
 * must not see them.
 */
export function isSystemEvent(event: { readonly type: string; readonly streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}
