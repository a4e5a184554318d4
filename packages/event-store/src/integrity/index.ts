export { canonicalJson, eventHash, type ChainedContent } from './hash.js';
export {
  ChainTracker,
  checkLink,
  contentHash,
  describeBreak,
  describeLink,
  headAfter,
  verifyChain,
  vouchForContent,
  type ChainBreak,
  type ChainBreakKind,
  type ChainHead,
  type LinkCheck,
} from './chain.js';
export { BrokenChainError } from './errors.js';
export { readVerifiedStream } from './verified-read.js';
export { verifyStore, type StoreVerification } from './verify-store.js';
