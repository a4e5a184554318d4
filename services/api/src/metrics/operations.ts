import type { GraphQLSchema } from 'graphql';
import { WEB_OPERATIONS } from '@pzp/web';

/**
 * The operation names the registry's own clients send: the web app's (kept equal to its sources
 * by a test in @pzp/web). A client may name its operation anything, so only known names become a
 * label; the rest is "other", which keeps the label bounded and free of whatever a caller put in
 * the name.
 */
export const CLIENT_OPERATIONS: readonly string[] = WEB_OPERATIONS;

/** Known operation names: the clients', and every root field's (an operation named after its field). */
export class KnownOperations {
  private fromSchema: ReadonlySet<string> | undefined;

  constructor(private readonly clients: ReadonlySet<string> = new Set(CLIENT_OPERATIONS)) {}

  has(name: string, schema: GraphQLSchema): boolean {
    if (this.clients.has(name)) return true;
    this.fromSchema ??= new Set(
      [schema.getQueryType(), schema.getMutationType()].flatMap((t) => Object.keys(t?.getFields() ?? {})),
    );
    return this.fromSchema.has(name);
  }
}

export function operationLabel(
  name: string | null | undefined,
  known: KnownOperations,
  schema: GraphQLSchema,
): string {
  return name && known.has(name, schema) ? name : 'other';
}
