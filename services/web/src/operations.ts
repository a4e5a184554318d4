/**
 * The names of the GraphQL operations the web app sends (services/web/client). The API's metrics
 * label requests by these (a client may name its operation anything; only known names become a
 * label). operations.unit.spec.ts keeps this list equal to what the client's sources send.
 */
export const WEB_OPERATIONS: readonly string[] = [
  'GesprekMe',
  'GesprekPlan',
  'GesprekWijzigingen',
  'Herbeoordelen',
  'Inzagelog',
  'Me',
  'PzpGesprek',
  'Spoedoverzicht',
  'Stand',
  'Tijdlijn',
];
