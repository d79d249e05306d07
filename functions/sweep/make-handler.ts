import type { CaseSettings } from '../core/alerts/case-settings';
import type { NoticePublisher } from '../core/alerts/notice';
import type { AlertPublisher, CaseStore } from '../core/alerts/ports';
import { type SweepResult, sweep } from '../core/alerts/sweep';
import { errorSummary } from '../core/shared/errors';
import { withFields } from '../core/shared/logger';
import type { Metrics } from '../core/shared/metrics';
import { caseSweepMetrics } from '../core/shared/operational-metrics';
import type { Logger } from '../core/shared/ports';

export interface SweepHandlerDeps {
  readonly store: CaseStore;
  readonly publisher: AlertPublisher;
  readonly notices?: NoticePublisher;
  readonly settings: CaseSettings;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

/** Something the run could not send; thrown after the metrics are written, so the function's error count shows it. */
export class SweepIncompleteError extends Error {
  override name = 'SweepIncompleteError';
}

/**
 * The scheduled function: one {@link sweep} per invocation (the EventBridge event itself carries nothing it needs),
 * its metrics written, and an error thrown when something could not be sent (claims were given back, so the next run
 * tries again).
 */
export function makeSweepHandler(
  deps: SweepHandlerDeps,
): (event?: unknown, context?: { readonly awsRequestId?: string }) => Promise<SweepResult> {
  return async (_event, context) => {
    const requestId = context?.awsRequestId;
    const logger = withFields(deps.logger, { requestId });
    const result = await sweep({
      store: deps.store,
      publisher: deps.publisher,
      settings: deps.settings,
      logger,
      now: deps.now ?? Date.now,
      ...(deps.notices ? { notices: deps.notices } : {}),
    });
    logger.log('info', 'case sweep done', {
      openCases: result.openCases,
      oldestOpenCaseAgeSeconds: result.oldestOpenCaseAgeSeconds,
      digests: result.digests.length,
      reminded: result.reminder?.cases ?? 0,
      failures: result.failures.length,
    });
    try {
      deps.metrics?.record(
        caseSweepMetrics(
          {
            openCases: result.openCases,
            oldestOpenCaseAgeSeconds: result.oldestOpenCaseAgeSeconds,
            digestsSent: result.digests.length,
            remindersSent: result.reminder ? 1 : 0,
          },
          requestId,
        ),
      );
    } catch (cause) {
      logger.log('error', 'metrics not recorded', { error: errorSummary(cause) });
    }
    if (result.failures.length > 0) throw new SweepIncompleteError(result.failures.join('; '));
    return result;
  };
}
