import { terminalJson } from '../../functions/core/shared/visible-text';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  type Command,
  DEFAULT_WINDOW_MS,
  parse,
  positiveInteger,
  WINDOW_HELP,
  WINDOW_OPTIONS,
  withSession,
} from '../command';
import { statsText } from '../format';
import { StatsCounter, statsJson } from '../stats';
import { iso, resolveWindow, type Window } from '../time';

const HELP = `Usage: voucherify-events stats [--since 7d | --from DATE --to DATE] [--top N]

Counts by type and status, by failure code, and the top campaigns and vouchers among events that report a failure
(default: the last 7 days). Reads every event of the window from the byDay index (small projected items).
${WINDOW_HELP}
  --top N            how many campaigns and vouchers to list (default 5)
${COMMON_HELP}`;

export const stats: Command = {
  name: 'stats',
  overview: '  stats              counts by type and failure code, top campaigns and vouchers among failures',
  help: HELP,
  async run(args, deps) {
    const { values } = parse(args, { ...COMMON_OPTIONS, ...WINDOW_OPTIONS, top: { type: 'string' } }, 0);
    if (values.help) {
      deps.stdout(HELP);
      return 0;
    }
    const window = resolveWindow(values, (deps.now ?? Date.now)(), DEFAULT_WINDOW_MS) as Window;
    const top = positiveInteger(values.top, '--top', 5, 100);
    const result = await withSession(values, deps, (session) =>
      session.run(async () => {
        const counter = new StatsCounter(window);
        for await (const summary of session.repository.daySummaries(window)) counter.add(summary);
        return counter.result(top);
      }),
    );
    if (values.json) {
      deps.stdout(
        terminalJson({ ...statsJson(result), window: { from: iso(window.fromMs), to: iso(window.toMs) } }, 2),
      );
      return 0;
    }
    deps.stdout(statsText(result));
    return 0;
  },
};
