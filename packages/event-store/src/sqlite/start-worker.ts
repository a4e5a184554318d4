import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a module, under tsx or plain node alike. A worker on TypeScript source
 * (development, tests, vitest, `tsx` scripts) imports it through tsx's API, registered inside the
 * worker, because Node 20 workers do not inherit the parent's loaders; compiled JavaScript starts
 * as it is, so production needs no tsx.
 */
export function startWorker(moduleUrl: string | URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const url = moduleUrl.toString();
  if (!/\.[cm]?ts$/.test(new URL(url).pathname)) return new Worker(new URL(url), options);
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * Ends a thread that closes its own resources on `message` and then exits: resolves on its exit.
 * A thread that already crashed cannot be asked, so it is terminated instead.
 */
export function endWorker(worker: Worker, message: unknown, crashed: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    if (crashed) {
      void worker.terminate().then(() => resolve());
      return;
    }
    worker.once('exit', () => resolve());
    worker.postMessage(message);
  });
}
