/**
 * Preloaded into an API process under test (NODE_OPTIONS="--import <this file's URL>"): writes the
 * line `{"msg":"e2e probe: access record queued"}` to stdout each time the node's access-log
 * writer (`AccessLogWriter` of `@pzp/access`, as the API resolves it) has queued a record. The
 * record is in the writer's queue before the line is written, so a test that has counted N lines
 * knows that N records have reached the writer: the one thing no response, log or event shows
 * while their append is held. It only observes; the writer behaves as it does without it.
 *
 * Plain JavaScript: NODE_OPTIONS imports run before the command line's `--import tsx`.
 */
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const QUEUED_LINE = '{"msg":"e2e probe: access record queued"}';

// NODE_OPTIONS imports also run in the module-hooks thread that tsx starts (without this guard
// the process hangs at start): patch only the application's thread.
if (isMainThread) {
  // The very module the command line's `--import tsx` loads (same URL), so it registers only once.
  await import('tsx');
  const fromApi = createRequire(new URL('../../services/api/package.json', import.meta.url));
  const { AccessLogWriter } = await import(pathToFileURL(fromApi.resolve('@pzp/access')).href);
  const record = AccessLogWriter.prototype.record;
  AccessLogWriter.prototype.record = function (...args) {
    const durable = record.apply(this, args); // throws (and queues nothing) for a bad record
    process.stdout.write(`${QUEUED_LINE}\n`);
    return durable;
  };
}
