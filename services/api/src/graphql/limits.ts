import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Query depth limit as a validation rule (Apollo caches validation per document, so this costs
 * nothing on repeated queries). Fragments are followed; cycles are already invalid GraphQL.
 */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    }
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let max = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD)
          max = Math.max(max, s.selectionSet ? 1 + depthOf(s.selectionSet, seen) : 1);
        else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(s.selectionSet, seen));
        else if (!seen.has(s.name.value)) {
          const fragment = fragments.get(s.name.value);
          max = Math.max(max, depthOf(fragment?.selectionSet, new Set([...seen, s.name.value])));
        }
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Query depth ${depth} exceeds the limit of ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            }),
          );
        }
      },
    };
  };
}

/**
 * Cost limit, after variables are known: every field costs 1, and a field with a `first`
 * argument multiplies the cost of what it selects by that page size.
 */
export function costLimit(maxCost: number): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation({ operation, document, request }) {
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of document.definitions) {
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          }
          const variables = request.variables ?? {};
          const costOf = (set: SelectionSetNode | undefined): number => {
            if (!set) return 0;
            let cost = 0;
            for (const s of set.selections) {
              if (s.kind === Kind.FIELD) {
                const first = s.arguments?.find((a) => a.name.value === 'first')?.value;
                const size =
                  first?.kind === Kind.INT
                    ? Number(first.value)
                    : first?.kind === Kind.VARIABLE
                      ? Number(variables[first.name.value] ?? 50)
                      : 1;
                cost += 1 + Math.max(1, size) * costOf(s.selectionSet);
              } else if (s.kind === Kind.INLINE_FRAGMENT) cost += costOf(s.selectionSet);
              else cost += costOf(fragments.get(s.name.value)?.selectionSet);
            }
            return cost;
          };
          if (!operation) return Promise.resolve();
          const cost = costOf(operation.selectionSet);
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } },
            });
          }
          return Promise.resolve();
        },
      }),
  };
}
