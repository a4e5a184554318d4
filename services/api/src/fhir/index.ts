export { fhirRouter, type FhirApiOptions } from './router.js';
export { ROUTES } from './routes.js';
export { BREAK_GLASS_HEADER, PURPOSE_HEADER } from './access.js';
