/**
 * Runs the EventStoreDB stand-in as its own process:
 *   tsx test/esdb-standin/main.ts [--port 2113] [--checkpoint-interval N]
 * Prints one JSON line `{"msg":"esdb stand-in ready","connectionString":"..."}` once listening and
 * exits cleanly on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startEsdbStandin } from './standin.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '2113' },
    'checkpoint-interval': { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid --port ${values.port}`);
const checkpointInterval =
  values['checkpoint-interval'] === undefined ? undefined : Number(values['checkpoint-interval']);
if (checkpointInterval !== undefined && !(Number.isInteger(checkpointInterval) && checkpointInterval > 0))
  throw new Error(`invalid --checkpoint-interval ${values['checkpoint-interval']}`);

const standin = await startEsdbStandin({ port, checkpointInterval });
process.stdout.write(
  `${JSON.stringify({ msg: 'esdb stand-in ready', connectionString: standin.connectionString })}\n`,
);

const shutdown = () => {
  void standin.close().then(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
