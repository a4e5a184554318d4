/**
 * A start-up failure an operator can act on: main prints its message as one line, no stack.
 * The message names what could not be done and where.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Runs `open`, turning its failure into a StartupError that names `what` and its path. */
export function openingAt<T>(what: string, path: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    // Node's own messages start with their code already (ENOTDIR: not a directory, ...).
    const prefix = typeof code === 'string' && !message.startsWith(code) ? `${code}: ` : '';
    throw new StartupError(`Cannot open ${what} at ${path}: ${prefix}${message}`, { cause: error });
  }
}
