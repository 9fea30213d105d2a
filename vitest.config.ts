import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources: workspace packages resolve through their
// `@flint/source` export condition (for Vite's server-side resolution too), so no build is needed.
const conditions = ['@flint/source', 'module', 'node', 'development|production'];
const sourceCondition = { resolve: { conditions }, ssr: { resolve: { conditions } } };

// CI asks for a JSON report too, to print the plain 'N passed, N failed' line.
const report = process.env.FLINT_TEST_REPORT;

export default defineConfig({
  test: {
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
    projects: [
      { ...sourceCondition, test: { name: 'worker', root: 'packages/worker' } },
      { ...sourceCondition, test: { name: 'scheduler', root: 'packages/scheduler' } },
      { ...sourceCondition, test: { name: 'rdd', root: 'packages/rdd' } },
      { ...sourceCondition, test: { name: 'demo', root: 'apps/demo' } },
      {
        ...sourceCondition,
        test: { name: 'e2e', root: 'test', testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
