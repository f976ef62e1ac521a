import { defineConfig } from 'vitest/config';

// In CI a JSON report is written too, so .ci/run can print the runner's own counts.
const ci = process.env.CI === 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ci ? ['default', 'json'] : ['default'],
    ...(ci ? { outputFile: { json: 'test-artifacts/vitest.json' } } : {}),
  },
});
