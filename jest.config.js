/**
 * unit: pure logic and in-process fakes, no servers.
 * browser: a web page in real headless Chromium (test/ files named *-page.test.ts), no stack needed.
 * integration: the real local stack (Postgres, Temporal, Typesense, LiveKit) that
 * `npm test` starts through scripts/stack.mjs when it is not already running.
 */
const transform = { '^.+\\.ts$': ['ts-jest', {}] };

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: [
        '<rootDir>/src/**/*.spec.ts',
        '<rootDir>/workflows/**/*.spec.ts',
        '<rootDir>/activities/**/*.spec.ts',
        // The console's pure modules (no DOM): its pages are tested in Chromium by test/console.test.ts.
        '<rootDir>/console/src/**/*.spec.ts',
      ],
    },
    {
      displayName: 'browser',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*-page.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // Page tests need only Chromium: they stay out of the stack's global setup (which recreates the test database).
      testPathIgnorePatterns: ['/node_modules/', '-page\\.test\\.ts$'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      // Ends the run's leftover workflows and fails the run if any landed in the app's namespace.
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/quiet-temporal.ts'],
    },
  ],
};
