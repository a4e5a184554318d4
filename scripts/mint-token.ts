/**
 * Mints a development access token for a named persona, signed with the local development key
 * (`<data-dir>/dev-keys/`, created on first use; the server in development mode verifies with the
 * same key). Prints only the token on stdout:
 *
 *   TOKEN=$(pnpm -s mint-token hap-doctor [--data-dir ./data] [--client-system NAME] [--expires 30m])
 *
 * Data dir default: $PZP_DATA_DIR, else ./data.
 */
import { parseArgs } from 'node:util';
import {
  DEV_AUDIENCE,
  DEV_ISSUER,
  ensureDevelopmentKeys,
  mintToken,
} from '../services/api/src/auth/index.js';
import { describePersonas, isPersonaName } from '../services/api/src/auth/personas.js';

const USAGE =
  'Usage: pnpm mint-token <persona> [--data-dir DIR] [--client-system NAME] [--expires DURATION]\n' +
  '  --data-dir       data directory holding dev-keys/ (default $PZP_DATA_DIR or ./data)\n' +
  "  --client-system  calling system recorded in the access log (e.g. 'HIS Medicom')\n" +
  '  --expires        token lifetime, e.g. 30m, 1h (default 1h, the longest the server accepts by default)\n';

function fail(message: string): never {
  process.stderr.write(
    `${message}\n\n${USAGE}\nPersonas:\n${describePersonas()
      .map((l) => `  ${l}\n`)
      .join('')}`,
  );
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        'client-system': { type: 'string' },
        // No default here: the minting code's own (one hour, what the server accepts by default).
        expires: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}
const { values, positionals } = parseCommandLine();

if (values.help) {
  process.stdout.write(
    `${USAGE}\nPersonas:\n${describePersonas()
      .map((l) => `  ${l}\n`)
      .join('')}`,
  );
  process.exit(0);
}
if (positionals.length !== 1)
  fail(positionals.length === 0 ? 'Name a persona.' : 'Name exactly one persona.');
const persona = positionals[0]!;
if (!isPersonaName(persona)) fail(`Unknown persona '${persona}'.`);

const dataDir = values['data-dir'] ?? process.env.PZP_DATA_DIR ?? './data';
const keys = await ensureDevelopmentKeys(dataDir);
let token: string;
try {
  token = await mintToken({
    privateJwk: keys.privateJwk,
    persona,
    ...(values['client-system'] === undefined ? {} : { clientSystem: values['client-system'] }),
    ...(values.expires === undefined ? {} : { expiresIn: values.expires }),
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
  });
} catch (error) {
  fail(`Cannot mint the token: ${(error as Error).message}`);
}
process.stdout.write(`${token}\n`);
