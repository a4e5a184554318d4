import { describe, expect, it } from 'vitest';
import { medianOf, type LoadFigures } from './load.js';

const run = (rps: number, cpu?: number): LoadFigures => ({
  rps,
  p50: rps / 100,
  p99: rps / 10,
  mean: rps / 50,
  responses: rps * 10,
  errors: 1,
  ...(cpu === undefined
    ? {}
    : {
        cpu: {
          serverMsPerResponse: cpu,
          mainThreadMsPerResponse: cpu / 2,
          generatorMsPerResponse: cpu / 4,
          machinePercent: cpu * 10,
        },
      }),
});

describe('medianOf', () => {
  it('takes the median of every figure, CPU figures included, and sums responses and errors', () => {
    expect(medianOf([run(300, 3), run(100, 1), run(200, 2)])).toEqual({
      rps: 200,
      p50: 2,
      p99: 20,
      mean: 4,
      responses: 6000,
      errors: 3,
      runs: 3,
      cpu: {
        serverMsPerResponse: 2,
        mainThreadMsPerResponse: 1,
        generatorMsPerResponse: 0.5,
        machinePercent: 20,
      },
    });
  });

  it('reports no CPU figures when a run has none: a median of some runs would pass for all', () => {
    expect(medianOf([run(300, 3), run(100), run(200, 2)])).not.toHaveProperty('cpu');
  });
});
