/**
 * Three layers, each runnable alone (`npm run test:unit`, `test:integration`, `test:infra`); `npm test` runs them all.
 * ts-jest with isolatedModules only strips types (fast); `npm run typecheck` does the type checking.
 */
// tsconfig sets isolatedModules, which makes ts-jest transpile each file alone (its own option of that name is deprecated).
const tsJest = ['ts-jest', { diagnostics: false }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

// Node 20 is supported here until Lambda and CI move on; the SDK's notice about it is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  // testTimeout is a global option (ignored inside projects): generous for DynamoDB Local and CDK synth on a busy 2-core box.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
  ],
};
