/**
 * Development sign-in for the web app: the personas (the test fixtures' people) and a token for one
 * of them, signed with the development key. Mounted only by a development node that verifies with
 * that key (main.ts); a production node has no such route, so it answers 404.
 */
import express, { type Router } from 'express';
import type { JWK } from 'jose';
import { z } from 'zod';
import { PROFESSIONS } from '@pzp/domain';
import { mintToken } from './mint.js';
import { PERSONA_NAMES, PERSONAS, isPersonaName } from './personas.js';

/** The calling system a development token names in the NEN 7513 record. */
export const DEV_LOGIN_CLIENT = 'PZP webapp (ontwikkeling)';

const TokenRequest = z.object({ persona: z.string().max(50) });

export function devLoginRouter(privateJwk: JWK): Router {
  const router = express.Router();
  router.get('/personas', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(
      PERSONA_NAMES.map((name) => {
        const actor = PERSONAS[name];
        return {
          persona: name,
          name: actor.name,
          profession: PROFESSIONS[actor.profession].label,
          organization: actor.organization.name,
        };
      }),
    );
  });
  router.post('/token', express.json({ limit: '1kb' }), async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    const parsed = TokenRequest.safeParse(req.body);
    if (!parsed.success || !isPersonaName(parsed.data.persona)) {
      res.status(400).json({ error: `persona must be one of ${PERSONA_NAMES.join(', ')}` });
      return;
    }
    const token = await mintToken({
      persona: parsed.data.persona,
      privateJwk,
      clientSystem: DEV_LOGIN_CLIENT,
    });
    res.json({ token });
  });
  return router;
}
