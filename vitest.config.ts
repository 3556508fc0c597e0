import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'rules/**/*.test.ts', 'fixtures/**/*.test.ts', 'test/**/*.test.ts'],
    // Connector tests start local HTTPS doubles; give slow CI machines room without hiding hangs.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
