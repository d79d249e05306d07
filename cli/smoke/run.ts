import { terminalSafe } from '../../functions/core/shared/visible-text';
import type { SmokeEvents } from './events';
import {
  alarms,
  alertMarker,
  alertOnQueue,
  cleanup,
  duplicates,
  readBack,
  type SmokeContext,
  StepFailedError,
  StepSkippedError,
  signedDelivery,
  subscribeTemporaryQueue,
  unsigned,
} from './steps';
import type { SmokeClients, SmokeOptions, SmokeTarget } from './target';

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface StepResult {
  readonly name: string;
  readonly status: StepStatus;
  readonly detail: string;
  readonly ms: number;
}

interface Step {
  readonly name: string;
  /** Steps that must have passed first; otherwise this one is skipped and says which failed. */
  readonly needs?: readonly string[];
  readonly run: (ctx: SmokeContext) => Promise<string>;
}

const SUBSCRIBE = 'temporary queue subscribed to the topic';
const FAILED = 'signed redemption.failed -> 202 accepted';
const ROLLBACK = 'signed redemption.rollback.failed -> 202 accepted';

/** The steps in order, as the issue lists them; `--via-queue` adds the queue before the deliveries and after the marker. */
export function smokeSteps(options: Pick<SmokeOptions, 'viaQueue'>): Step[] {
  return [
    ...(options.viaQueue ? [{ name: SUBSCRIBE, run: subscribeTemporaryQueue }] : []),
    { name: FAILED, run: signedDelivery((e) => e.failed, 202, 'accepted') },
    { name: ROLLBACK, run: signedDelivery((e) => e.rollbackFailed, 202, 'accepted') },
    { name: 'same two again -> 200 duplicate', needs: [FAILED, ROLLBACK], run: duplicates },
    { name: 'unsigned -> 401, not stored', run: unsigned },
    { name: 'both items read back from the table', needs: [FAILED, ROLLBACK], run: readBack },
    { name: 'rollback alert published (item marker)', needs: [ROLLBACK], run: alertMarker },
    ...(options.viaQueue
      ? [{ name: 'alert received on the temporary queue', needs: [SUBSCRIBE, ROLLBACK], run: alertOnQueue }]
      : []),
    { name: 'alarms exist, none in ALARM', run: alarms },
  ];
}

/**
 * Runs every step against the target, then the cleanup (always, even after a failure or an exception), and returns
 * one result per step. A step's failure is recorded, never thrown: the table must show every step.
 */
export async function runSmoke(
  target: SmokeTarget,
  clients: SmokeClients,
  options: SmokeOptions,
  events: SmokeEvents,
  onResult: (result: StepResult) => void = () => {},
): Promise<StepResult[]> {
  const ctx: SmokeContext = { target, clients, options, events };
  const results: StepResult[] = [];
  const record = async (step: Step) => {
    const failedNeeds = (step.needs ?? []).filter((need) => results.find((r) => r.name === need)?.status !== 'pass');
    const started = Date.now();
    let result: StepResult;
    if (failedNeeds.length > 0) {
      result = { name: step.name, status: 'fail', detail: `not run: needs ${failedNeeds.join(' and ')}`, ms: 0 };
    } else {
      try {
        const detail = await step.run(ctx);
        result = { name: step.name, status: 'pass', detail, ms: Date.now() - started };
      } catch (error) {
        const status = error instanceof StepSkippedError ? 'skip' : 'fail';
        const detail =
          error instanceof StepFailedError || error instanceof StepSkippedError
            ? error.message
            : `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        result = { name: step.name, status, detail, ms: Date.now() - started };
      }
    }
    results.push(result);
    onResult(result);
  };
  try {
    for (const step of smokeSteps(options)) await record(step);
  } finally {
    await record({ name: 'cleanup', run: cleanup });
  }
  return results;
}

/** Exit code: 0 when nothing failed (skips are said in the table, with their reason), 1 otherwise. */
export function exitCode(results: readonly StepResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

/**
 * The pass/fail table. The details quote what the target answered (an answer body, an error from AWS, an item read
 * back), so every value is made terminalSafe: an answer cannot write escape sequences to the terminal running the smoke.
 */
export function formatTable(target: SmokeTarget, results: readonly StepResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length), 4);
  const lines = [
    `Smoke test of ${terminalSafe(target.label)}`,
    `  webhook ${terminalSafe(target.webhookUrl)}`,
    `  table   ${terminalSafe(target.tableName)}`,
    `  topic   ${terminalSafe(target.topicArn)}`,
    '',
    `  #  ${'step'.padEnd(width)}  result  time      detail`,
    ...results.map((r, i) => {
      const n = String(i + 1).padStart(3);
      const time = `${r.ms} ms`.padStart(8);
      return `${n}  ${r.name.padEnd(width)}  ${r.status.toUpperCase().padEnd(6)}  ${time}  ${terminalSafe(r.detail)}`;
    }),
    '',
  ];
  const failed = results.filter((r) => r.status === 'fail').length;
  const skipped = results.filter((r) => r.status === 'skip').length;
  const passed = results.length - failed - skipped;
  lines.push(
    failed === 0
      ? `PASS: ${passed} passed${skipped ? `, ${skipped} skipped` : ''}, 0 failed`
      : `FAIL: ${failed} failed, ${passed} passed${skipped ? `, ${skipped} skipped` : ''}`,
  );
  return lines.join('\n');
}
