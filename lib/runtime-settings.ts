/**
 * The settings the deployed stack, the local mode, the benchmark and the package build must agree on, in one place:
 * which Lambda functions exist and where their code starts, how that code is bundled, and how the alerts function reads
 * the table's stream. Plain values only (no aws-cdk-lib, no esbuild), so every side can import it cheaply; each side
 * turns them into its own form (NodeFunction, tools/build-package.js, local/runtime/alerts.ts, tools/bench/bundles.ts).
 */

/**
 * The Lambda functions, by name: each one's handler file, relative to the project root. Adding a function is one
 * entry here; `functionEntry(name)` (lib/paths.ts) then finds its source in a checkout or its pre-built bundle in an
 * installed package (`dist/lambda/<name>/index.js`, written by `npm run build`).
 */
export const FUNCTION_ENTRIES = {
  ingest: 'functions/ingest/handler.ts',
  alerts: 'functions/alerts/handler.ts',
  sweep: 'functions/sweep/handler.ts',
} as const;

/** The name of one Lambda function of {@link FUNCTION_ENTRIES}. */
export type FunctionName = keyof typeof FUNCTION_ENTRIES;

/** Where, relative to the package root, the pre-built bundle of function `name` lives (its `index.js` exports `handler`). */
export function prebuiltBundleDir(name: FunctionName): string {
  return `dist/lambda/${name}`;
}

/**
 * The Node.js major version the functions run on (lib/constructs/node-function.ts maps it to the Lambda runtime).
 * Named, not "latest", so a CDK upgrade never changes the runtime behind our back; 24 is the newest Lambda offers
 * (supported into 2028, and what cdk-nag's AwsSolutions-L1 asks for). The code needs nothing newer than Node 20.
 */
export const LAMBDA_NODE_MAJOR = 24;

/**
 * esbuild's options for every Lambda bundle (in esbuild's own option names; `satisfies BuildOptions` where esbuild is
 * imported). Written without esbuild's types so this module, which the package's declarations include, needs no
 * devDependency to type-check.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  /** Exactly the syntax {@link LAMBDA_NODE_MAJOR} supports. */
  target: `node${LAMBDA_NODE_MAJOR}`,
  format: 'cjs',
  minify: true,
  // Source maps that stack traces use (NODE_OPTIONS=--enable-source-maps): `linked` writes index.js.map and the
  // sourceMappingURL comment Node needs to find it ('external' would leave the comment out). Mappings are enough for
  // stack traces, and leaving the sources out keeps the zip small.
  sourcemap: 'linked',
  sourcesContent: false,
  // Prefer the packages' ES module builds, which esbuild can tree-shake: the ingest bundle drops from about 670 KB to
  // 460 KB, and the module loads about a quarter faster.
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK v3 clients rather than use the runtime's copy: the version is then the one our lock file pins
  // and the tests ran against (the runtime's copy changes without notice), and one minified file holding only the
  // clients we import loads faster at cold start than resolving the runtime's hundreds of SDK files.
  // One exception: the S3 client, needed only for a body too large for its item (rare) and required at its first use
  // (functions/adapters/s3-body-store.ts). Bundled, its 158 KB were parsed at every cold start of ingest (22% of the
  // bundle; receiver ÷ SDK-only cold start 1.45 in `npm run bench`); left to the Lambda runtime's own SDK v3 copy, a
  // cold start pays nothing for it. That one client's version is then the runtime's, not our lock file's.
  external: ['@aws-sdk/client-s3'] as string[],
  logLevel: 'warning',
} as const;

/** The file name of a bundle inside its folder, and so the Lambda handler is `index.handler`. */
export const BUNDLE_FILE = 'index.js';

/**
 * How the alerts function reads the events table's stream: the event source mapping's settings
 * (lib/constructs/alerts.ts), which the local mode's stream poller copies (local/runtime/alerts.ts).
 */
export const ALERTS_STREAM_MAPPING = {
  /** Records per invocation; each is one GetItem, one Publish and one UpdateItem, so a batch stays far below a minute. */
  batchSize: 10,
  /** Retries of a failing batch before its description goes to the DLQ. */
  retryAttempts: 10,
  /** After this an alert is stale and is given up (the stream itself keeps records 24 h). */
  maxRecordAgeHours: 6,
  /** A thrown error (timeout, crash) splits the batch, so one poison record cannot hold the others back. */
  bisectBatchOnError: true,
  /**
   * TRIM_HORIZON, not LATEST: LATEST would skip rollback failures stored while the mapping was being created. Older
   * records replayed on the first start are harmless: the function skips events already alerted.
   */
  startingPosition: 'TRIM_HORIZON',
} as const;
