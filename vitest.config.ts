import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.spec.ts',
      'services/*/src/**/*.spec.ts',
      'test/**/*.spec.ts',
      'scripts/**/*.spec.ts',
    ],
    pool: 'forks',
    testTimeout: 20_000,
  },
});
