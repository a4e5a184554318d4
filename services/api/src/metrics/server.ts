import express, { type Express, type RequestHandler } from 'express';

/** The app on PZP_METRICS_PORT: GET /metrics and nothing else, so that port shows no patient data. */
export function metricsApp(endpoint: RequestHandler): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', endpoint);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  return app;
}
