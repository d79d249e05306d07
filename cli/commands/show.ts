import { decodeBody } from '../../functions/core/shared/body-codec';
import { terminalJson } from '../../functions/core/shared/visible-text';
import { COMMON_HELP, COMMON_OPTIONS, type Command, parse, withSession } from '../command';
import { EventNotFoundError, UsageError } from '../errors';
import { showText } from '../format';

const HELP = `Usage: voucherify-events show <eventId>

The stored event: lifted fields, alert and replay markers, the validation issues of a quarantined event and the
original payload, decoded. (The payload holds customer data: mind where you paste it.)
${COMMON_HELP}`;

export const show: Command = {
  name: 'show',
  overview: '  show <eventId>     one stored event: fields, why it was quarantined, the payload as received',
  help: HELP,
  async run(args, deps) {
    const { values, positionals } = parse(args, COMMON_OPTIONS, 1);
    if (values.help) {
      deps.stdout(HELP);
      return 0;
    }
    const eventId = positionals[0];
    if (!eventId) throw new UsageError('show needs an event id: voucherify-events show <eventId>');
    const stored = await withSession(values, deps, (session) => session.run(() => session.repository.get(eventId)));
    if (!stored) throw new EventNotFoundError(`no event with id "${eventId}" in the table`);

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
