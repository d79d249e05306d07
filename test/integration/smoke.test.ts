/**
 * `npm run smoke -- --local` against a real `npm start -- --in-memory` child (DynamoDB Local, fauxqs, the deployed
 * handlers): every step of the smoke is run here as a user runs it, and must pass; the AWS path shares the step code
 * and differs only in how the clients are built (cli/smoke/resolve.ts).
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from '../../local/runtime/aws-env';
import { TEST_SECRET } from '../../tools/fixtures';
import { type LocalModeProcess, runTool, startLocalModeProcess } from '../helpers/local-mode';

let local: LocalModeProcess;

/** Each test starts node + tsx for the smoke, which takes tens of seconds on a loaded 2-core box. */
const SMOKE_TIMEOUT_MS = 150_000;

beforeAll(async () => {
  local = await startLocalModeProcess(TEST_SECRET);
}, 120_000);

afterAll(async () => {
  await local?.stop();
});

/** The table's rows: `  3  step name  PASS  12 ms  detail`, as [name, result, detail]. */
function rows(stdout: string): [string, string, string][] {
  return stdout
    .split('\n')
    .map((line) => /^\s*\d+\s{2}(.+?)\s{2,}(PASS|FAIL|SKIP)\s+\d+ ms\s{2}(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] as string, m[2] as string, m[3] as string]);
}

async function smokeItemsLeft(): Promise<string[]> {
  const client = localDynamoDbClient(local.state.endpoint);
  try {
    const { Items } = await client.send(new ScanCommand({ TableName: local.state.table, ProjectionExpression: 'pk' }));
    return (Items ?? []).map((item) => item.pk?.S ?? '').filter((pk) => pk.startsWith('smoke_'));
  } finally {
    client.destroy();
  }
}

it(
  'passes every step against the running local mode, with the alert on a temporary queue, and leaves nothing',
  async () => {
    // Act
    const run = await runTool('cli/smoke.ts', ['--local', '--via-queue'], local.env);

    // Assess
    const table = rows(run.stdout);
    expect(table.map(([name, result]) => [name, result])).toEqual([
      ['temporary queue subscribed to the topic', 'PASS'],
      ['signed redemption.failed -> 202 accepted', 'PASS'],
      ['signed redemption.rollback.failed -> 202 accepted', 'PASS'],
      ['same two again -> 200 duplicate', 'PASS'],
      ['unsigned -> 401, not stored', 'PASS'],
      ['both items read back from the table', 'PASS'],
      ['rollback alert published (item marker)', 'PASS'],
      ['alert received on the temporary queue', 'PASS'],
      // No CloudWatch locally: said, not hidden; the verdict itself is unit-tested (test/unit/smoke.test.ts).
      ['alarms exist, none in ALARM', 'SKIP'],
      ['cleanup', 'PASS'],
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS: 9 passed, 1 skipped, 0 failed$/m);
    const queued = table.find(([name]) => name === 'alert received on the temporary queue');
    expect(queued?.[2]).toMatch(/"\[smoke test\] Rollback failed: already_rolled_back - SMOKE-TEST"/);
    expect(table.find(([name]) => name === 'cleanup')?.[2]).toBe('2 item(s) deleted, unsubscribed, queue deleted');
    expect(await smokeItemsLeft()).toEqual([]);
    // The local mode's own console subscriber got the same alert: what an on-call mailbox would see.
    expect(local.output()).toMatch(/\[alert\] \[smoke test\] Rollback failed/);
  },
  SMOKE_TIMEOUT_MS,
);

it(
  'fails the signed steps and exits 1 when signing with the wrong secret, and still cleans up',
  async () => {
    // Act
    const run = await runTool('cli/smoke.ts', ['--local'], {
      ...local.env,
      VOUCHERIFY_SMOKE_SECRET: 'not-the-secret',
    });

    // Assess
    expect(run.code).toBe(1);
    const results = new Map(rows(run.stdout).map(([name, result, detail]) => [name, { result, detail }]));
    expect(results.get('signed redemption.failed -> 202 accepted')).toEqual({
      result: 'FAIL',
      detail: expect.stringMatching(/expected 202 accepted, got 401 signature_invalid$/),
    });
    expect(results.get('signed redemption.rollback.failed -> 202 accepted')?.result).toBe('FAIL');
    expect(results.get('rollback alert published (item marker)')?.result).toBe('FAIL');
    expect(results.get('unsigned -> 401, not stored')?.result).toBe('PASS');
    expect(results.get('cleanup')).toEqual({ result: 'PASS', detail: '0 item(s) deleted' });
    expect(run.stdout).toMatch(/^FAIL: 5 failed, 2 passed, 1 skipped$/m);
    expect(await smokeItemsLeft()).toEqual([]);
  },
  SMOKE_TIMEOUT_MS,
);

it(
  'takes no secret on the command line: --secret is refused, exit 2, nothing sent',
  async () => {
    const run = await runTool('cli/smoke.ts', ['--local', '--secret', TEST_SECRET], local.env);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--secret is not accepted .*set VOUCHERIFY_SMOKE_SECRET/);
    expect(run.stdout).toBe('');
    expect(await smokeItemsLeft()).toEqual([]);
  },
  SMOKE_TIMEOUT_MS,
);

it('the local banner never prints a secret that came from the environment', () => {
  // Started with VOUCHERIFY_WEBHOOK_SECRET (test/helpers/local-mode.ts).
  expect(local.output()).toContain('webhook secret   (from VOUCHERIFY_WEBHOOK_SECRET; not shown)');
  expect(local.output()).not.toContain(TEST_SECRET);
});

it(
  'sends nothing and exits 2 when PORT names another port than the running local mode',
  async () => {
    // Prepare
    const port = Number(new URL(local.state.url).port);

    // Act
    const run = await runTool('cli/smoke.ts', ['--local'], { ...local.env, PORT: String(port + 1) });

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`listens on port ${port}, not ${port + 1}`);
    expect(run.stdout).toBe('');
  },
  SMOKE_TIMEOUT_MS,
);
