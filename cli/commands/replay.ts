import { DynamoDbCaseStore } from '../../functions/adapters/dynamodb-case-store';
import { SnsAlertPublisher } from '../../functions/adapters/sns-publisher';
import { terminalJson } from '../../functions/core/shared/visible-text';
import { COMMON_HELP, COMMON_OPTIONS, type Command, parse, WINDOW_HELP, WINDOW_OPTIONS, withSession } from '../command';
import { UsageError } from '../errors';
import { replayText } from '../format';
import { type ReplayResult, replayEvent } from '../replay';
import { snsClient } from '../target';
import { resolveWindow } from '../time';

const HELP = `Usage: voucherify-events replay <eventId> [options]
       voucherify-events replay --quarantined [--since 7d | --from DATE --to DATE] [options]

Validates the stored raw body again with today's schemas. A QUARANTINED event that now passes is promoted to
ACCEPTED (only if it is still QUARANTINED: running it twice changes nothing). An event that still fails stays as it
is, and the reasons are printed. ACCEPTED events are never demoted.
  --quarantined          every quarantined event (all of them, or those received in the window)
${WINDOW_HELP}
  --dry-run              say what would happen; write and send nothing
  --alert                also send the alert of a redemption.rollback.failed that ends ACCEPTED, unless an alert
                         for the event was already published (by the alerts function or an earlier replay)
  --force                with --alert: send it even so; the output says it was a re-send
  --topic-arn ARN        the alert topic (the stack output AlertTopicArn); env ALERT_TOPIC_ARN
  --sns-endpoint URL     an SNS endpoint such as the local mode's fauxqs (default: AWS_ENDPOINT_URL_SNS or AWS)
${COMMON_HELP}`;

export const replay: Command = {
  name: 'replay',
  overview:
    "  replay <eventId>   validate a stored event again with today's schemas; promote it if it passes\n" +
    '  replay --quarantined   the same for every quarantined event',
  help: HELP,
  async run(args, deps) {
    const { values, positionals } = parse(
      args,
      {
        ...COMMON_OPTIONS,
        ...WINDOW_OPTIONS,
        quarantined: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        alert: { type: 'boolean' },
        force: { type: 'boolean' },
        'topic-arn': { type: 'string' },
        'sns-endpoint': { type: 'string' },
      },
      1,
    );
    if (values.help) {
      deps.stdout(HELP);
      return 0;
    }
    const eventId = positionals[0];
    if (eventId !== undefined && values.quarantined)
      throw new UsageError('give an event id or --quarantined, not both');
    if (eventId === undefined && !values.quarantined)
      throw new UsageError('replay needs an event id, or --quarantined for every quarantined event');
    if (eventId !== undefined && (values.since ?? values.from ?? values.to) !== undefined)
      throw new UsageError('--since, --from and --to go with --quarantined');
    const window = values.quarantined ? resolveWindow(values, (deps.now ?? Date.now)(), undefined) : undefined;
    if (values.force && !values.alert) throw new UsageError('--force goes with --alert');
    const options = { dryRun: values['dry-run'] === true, alert: values.alert === true, force: values.force === true };
    const topicArn = values['topic-arn'] ?? deps.env.ALERT_TOPIC_ARN;
    if (options.alert && !options.dryRun && !deps.publisher && !topicArn)
      throw new UsageError('--alert needs the alert topic: pass --topic-arn (the stack output AlertTopicArn)');
    if (topicArn !== undefined && !/^arn:[\w-]+:sns:[\w-]*:\d*:[\w-]+$/.test(topicArn))
      throw new UsageError(`--topic-arn must be an SNS topic ARN; got "${topicArn}"`);

    return withSession(values, deps, async (session) => {
      const sns =
        options.alert && !options.dryRun && !deps.publisher && topicArn
          ? snsClient(session.target, deps.env, values['sns-endpoint'])
          : undefined;
      try {
        const replayDeps = {
          repository: session.repository,
          cases: new DynamoDbCaseStore(session.client, session.target.tableName),
          now: deps.now ?? Date.now,
          ...(deps.validators ? { validators: deps.validators } : {}),
          ...(deps.publisher
            ? { publisher: deps.publisher }
            : sns && topicArn
              ? { publisher: new SnsAlertPublisher(sns, topicArn) }
              : {}),
        };
        const ids =
          eventId !== undefined ? [eventId] : await session.run(() => session.repository.quarantinedIds(window));
        const results: ReplayResult[] = [];
        for (const id of ids) {
          const result = await session.run(() => replayEvent(id, options, replayDeps));
          results.push(result);
          if (!values.json) deps.stdout(replayText(result));
        }
        if (values.json) {
          deps.stdout(terminalJson({ dryRun: options.dryRun, results }, 2));
        } else if (values.quarantined) {
          const counts = new Map<string, number>();
          for (const r of results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
          const summary = [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
          deps.stdout(
            `${results.length} quarantined event${results.length === 1 ? '' : 's'}${summary ? `: ${summary}` : ''}` +
              `${options.dryRun ? ' (dry run: nothing written or sent)' : ''}`,
          );
        } else if (options.dryRun) {
          deps.stdout('(dry run: nothing written or sent)');
        }
        return 0;
      } finally {
        sns?.destroy();
      }
    });
  },
};
