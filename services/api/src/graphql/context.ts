import type { Actor } from '@pzp/domain';
import type { Loaders } from './loaders.js';
import type { Services } from '../services.js';

/** Everything a resolver may use: the verified caller, per-request loaders and the node's services. */
export interface RequestContext {
  readonly principal: { readonly actor: Actor; readonly clientSystem: string; readonly subject: string };
  readonly requestId: string;
  readonly loaders: Loaders;
  readonly services: Services;
}
