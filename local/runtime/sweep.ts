import type { SweepResult } from '../../functions/core/alerts/sweep';
import { applyPublisherEnv, type LocalAlertsHandlerSettings } from './alerts';

/** The scheduled case function as EventBridge calls it (the deployed `functions/sweep/handler.ts` export). */
export type SweepHandler = (event?: unknown) => Promise<SweepResult>;

/**
 * The deployed scheduled case function's `handler`, loaded after the environment is set as the stack sets it
 * (TOPIC_ARN, TABLE_NAME, the case settings: ALERT_BURST_LIMIT, ALERT_BURST_WINDOW_MINUTES, CASE_REMINDER_HOURS from
 * this process's environment, defaults otherwise). Like the alerts handler it reads them once, at import.
 */
export function loadSweepHandler(
  settings: LocalAlertsHandlerSettings,
  env: NodeJS.ProcessEnv = process.env,
): SweepHandler {
  applyPublisherEnv(settings, env);
  const module = require('../../functions/sweep/handler') as typeof import('../../functions/sweep/handler');
  return module.handler;
}

/** How often the local mode runs the scheduled function: every 15 s (AWS: every minute), CASE_SWEEP_INTERVAL_SECONDS. */
export const LOCAL_SWEEP_INTERVAL_SECONDS = 15;

export function sweepIntervalMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env.CASE_SWEEP_INTERVAL_SECONDS?.trim();
  if (!text) return LOCAL_SWEEP_INTERVAL_SECONDS * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600)
    throw new Error(`CASE_SWEEP_INTERVAL_SECONDS must be a number of seconds from 1 to 3600; got "${text}"`);
  return seconds * 1000;
}

/**
 * Runs the scheduled function on a timer, as the EventBridge rule does in AWS: one run at a time (a slow run is not
 * overlapped), errors reported and the timer kept going (the next run catches up, as in AWS).
 */
export function sweepTimer(options: {
  readonly run: () => Promise<unknown>;
  readonly intervalMs: number;
  readonly onError: (error: unknown) => void;
}): { start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = options
      .run()
      .then(
        () => undefined,
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start() {
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
