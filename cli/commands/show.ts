import { DynamoDbCaseStore } from '../../functions/adapters/dynamodb-case-store';
import { decodeBody } from '../../functions/core/shared/body-codec';
import { terminalJson } from '../../functions/core/shared/visible-text';
import { COMMON_HELP, COMMON_OPTIONS, type Command, parse, withSession } from '../command';
import { EventNotFoundError, UsageError } from '../errors';
import { showText } from '../format';
import { printCase } from './cases';

const HELP = `Usage: voucherify-events show <eventId | case key>

The stored event: lifted fields, alert and replay markers, the validation issues of a quarantined event and the
original payload, decoded. (The payload holds customer data: mind where you paste it.)
Given a case key (the rollback id, \`voucherify-events cases\`) instead: the case, its history (who, when, note)
and its linked events.
${COMMON_HELP}`;

export const show: Command = {
  name: 'show',
  overview:
    '  show <eventId>     one stored event: fields, why it was quarantined, the payload as received\n' +
    '  show <case key>    one case: state, history (who, when, note), linked events',
  help: HELP,
  async run(args, deps) {
    const { values, positionals } = parse(args, COMMON_OPTIONS, 1);
    if (values.help) {
      deps.stdout(HELP);
      return 0;
    }
    const eventId = positionals[0];
    if (!eventId) throw new UsageError('show needs an event id: voucherify-events show <eventId>');
    const { stored, found } = await withSession(values, deps, (session) =>
      session.run(async () => {
        const event = await session.repository.get(eventId);
        // Not an event id: perhaps a case key (a rollback id, or the event id of a case whose event expired).
        const c = event
          ? undefined
          : await new DynamoDbCaseStore(session.client, session.target.tableName).get(eventId);
        return { stored: event, found: c };
      }),
    );
    if (!stored && found) return printCase(found, values.json === true, deps);
    if (!stored) throw new EventNotFoundError(`no event or case with id "${eventId}" in the table`);

    let payload: { json?: unknown; text?: string; error?: string };
    try {
      const raw = decodeBody(stored.record.body, stored.record.bodyEncoding).toString('utf8');
      try {
        payload = { json: JSON.parse(raw), text: raw };
      } catch {
        payload = { text: raw };
      }
    } catch (cause) {
      payload = { error: `the stored body could not be decoded: ${cause instanceof Error ? cause.message : cause}` };
    }
    if (values.json) {
      const { body: _body, ...record } = stored.record;
      const output = (json: unknown) =>
        terminalJson(
          {
            ...record,
            alertedAt: stored.alertedAt,
            alertMessageId: stored.alertMessageId,
            promotedAt: stored.promotedAt,
            replayAlertedAt: stored.replayAlertedAt,
            replayAlertMessageId: stored.replayAlertMessageId,
            payload: json,
            ...(payload.error ? { payloadError: payload.error } : {}),
          },
          2,
        );
      let text: string;
      try {
        text = output(payload.json !== undefined ? payload.json : (payload.text ?? null));
      } catch (error) {
        // Nested too deep to stringify again (see format.ts): the body as received, a string.
        if (!(error instanceof RangeError)) throw error;
        text = output(payload.text ?? null);
      }
      deps.stdout(text);
      return 0;
    }
    deps.stdout(showText(stored, payload));
    return 0;
  },
};
