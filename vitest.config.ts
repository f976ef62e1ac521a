import { configDefaults, defineConfig } from 'vitest/config';

// In CI a JSON report is written too, so .ci/run can print the runner's own counts.
const ci = process.env.CI === 'true';

/**
 * The report-site suite (test/site) builds sites with Astro and drives Chromium: on a busy
 * 2-core machine, with the other test files running beside it, a build or a crawl takes
 * several times what it takes alone. Its limits are set for that machine, not for a quiet one;
 * they only end a run that has hung. Playwright's own waits are set in test/helpers/browser.ts.
 */
const SITE = { testTimeout: 180_000, hookTimeout: 300_000 };

export default defineConfig({
  test: {
    reporters: ci ? ['default', 'json'] : ['default'],
    ...(ci ? { outputFile: { json: 'test-artifacts/vitest.json' } } : {}),
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/site/**'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
      { extends: true, test: { name: 'site', include: ['test/site/**/*.test.ts'], ...SITE } },
    ],
  },
});
