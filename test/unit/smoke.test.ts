import { smokeEvents } from '../../cli/smoke/events';
import { destroyClients, localSmoke, signingSecret, targetFromOutputs } from '../../cli/smoke/resolve';
import { exitCode, formatTable, type StepResult } from '../../cli/smoke/run';
import { judgeAlarms, StepFailedError } from '../../cli/smoke/steps';
import { SmokeSetupError } from '../../cli/smoke/target';
import { isSmokeEvent } from '../../functions/core/shared/smoke-event';
import { HOSTILE, rawControl } from '../helpers/terminal';

const OUTPUTS = {
  WebhookUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/voucherify',
  TableName: 'VoucherifyWebhooks-EventsTable-1A2B',
  AlertTopicArn: 'arn:aws:sns:eu-west-1:123456789012:VoucherifyWebhooks-AlertTopic',
  WebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:voucherify-webhook-secret-AbCdEf',
  AlarmNames: 'VoucherifyWebhooks-QuarantinedEvents-1,VoucherifyWebhooks-AlertsDlq-2',
  SilenceAlarmName: 'VoucherifyWebhooks-SilenceAlarm-3',
};

describe('the alarm verdict (the DescribeAlarms answer, judged)', () => {
  const expected = ['a', 'b', 'c'];

  it('passes when every alarm exists and none is in ALARM, counting the states', () => {
    const found = new Map([
      ['a', 'OK'],
      ['b', 'INSUFFICIENT_DATA'],
      ['c', 'OK'],
    ]);

    expect(judgeAlarms(expected, found)).toBe('3 alarms, none in ALARM (2 OK, 1 INSUFFICIENT_DATA)');
  });

  it('fails naming the alarms in ALARM', () => {
    const found = new Map([
      ['a', 'OK'],
      ['b', 'ALARM'],
      ['c', 'ALARM'],
    ]);

    expect(() => judgeAlarms(expected, found)).toThrow(new StepFailedError('in ALARM: b, c'));
  });

  it('reports the silence alarm in ALARM instead of failing on it (a stack with no deliveries yet is silent)', () => {
    const found = new Map([
      ['a', 'OK'],
      ['b', 'ALARM'],
      ['c', 'OK'],
    ]);

    expect(judgeAlarms(expected, found, 'b')).toBe(
      "3 alarms, only the silence alarm in ALARM (2 OK, 1 ALARM): no delivery before this run; this run's deliveries " +
        'clear it within the hour',
    );
  });

  it('still fails on any other alarm in ALARM beside the silence alarm', () => {
    const found = new Map([
      ['a', 'ALARM'],
      ['b', 'ALARM'],
      ['c', 'OK'],
    ]);

    expect(() => judgeAlarms(expected, found, 'b')).toThrow(new StepFailedError('in ALARM: a'));
  });

  it('fails naming a missing alarm, even when the others are fine', () => {
    expect(() => judgeAlarms(expected, new Map([['a', 'OK']]))).toThrow(new StepFailedError('missing: b, c'));
  });

  it('fails when the stack names no alarms (an old stack without the AlarmNames output)', () => {
    expect(() => judgeAlarms([], new Map())).toThrow(StepFailedError);
  });
});

describe('the target from the stack outputs', () => {
  it('reads the URL, table, topic and the comma-separated alarm names', () => {
    const target = targetFromOutputs('VoucherifyWebhooks', 'eu-west-1', OUTPUTS, 's3cret');

    expect(target).toEqual({
      label: 'stack VoucherifyWebhooks (eu-west-1)',
      webhookUrl: OUTPUTS.WebhookUrl,
      tableName: OUTPUTS.TableName,
      topicArn: OUTPUTS.AlertTopicArn,
      secret: 's3cret',
      alarmNames: ['VoucherifyWebhooks-QuarantinedEvents-1', 'VoucherifyWebhooks-AlertsDlq-2'],
      silenceAlarmName: 'VoucherifyWebhooks-SilenceAlarm-3',
    });
  });

  it('refuses a stack without the webhook outputs, naming them', () => {
    const { WebhookUrl: _url, AlertTopicArn: _topic, ...rest } = OUTPUTS;

    expect(() => targetFromOutputs('Other', undefined, rest, 's')).toThrow(
      new SmokeSetupError("stack Other has no output WebhookUrl, AlertTopicArn: is it this project's stack?"),
    );
  });

  it('runs with no alarm names when AlarmNames is missing, so the alarm step fails instead of passing', () => {
    const { AlarmNames: _alarms, ...rest } = OUTPUTS;

    expect(targetFromOutputs('Old', undefined, rest, 's').alarmNames).toEqual([]);
  });
});

describe('the signing secret from Secrets Manager', () => {
  it.each([
    ['plain', 'plain'],
    ['["new","old"]', 'new'],
  ])('%s -> %s', (value, expected) => {
    expect(signingSecret(value, 'arn')).toBe(expected);
  });

  it.each(['[]', '', undefined])('refuses %p: the secret is empty', (value) => {
    expect(() => signingSecret(value, 'arn')).toThrow(/smoke secret in arn is empty/);
  });
});

describe('the local target signs with the smoke secret, never the webhook secret', () => {
  const state = {
    url: 'http://127.0.0.1:3104/webhooks/voucherify',
    secret: 'the-webhook-secret',
    smokeSecret: 'the-smoke-secret',
    endpoint: 'http://127.0.0.1:8000',
    table: 'voucherify-events',
    region: 'us-east-1',
    snsEndpoint: 'http://127.0.0.1:4566',
    topicArn: 'arn:aws:sns:us-east-1:000000000000:voucherify-alerts',
    pid: 1,
    inMemory: true,
    startedAt: '2026-12-07T00:00:00.000Z',
  };

  it("uses the local mode's smoke secret, or VOUCHERIFY_SMOKE_SECRET when given", () => {
    const local = localSmoke(state, { PORT: '3104' });
    const fromEnv = localSmoke(state, { PORT: '3104' }, 'from-env');
    try {
      expect(local.target.secret).toBe('the-smoke-secret');
      expect(fromEnv.target.secret).toBe('from-env');
    } finally {
      destroyClients(local.clients);
      destroyClients(fromEnv.clients);
    }
  });

  it('an older local mode without a smoke secret is a setup error, not a fallback to the webhook secret', () => {
    const { smokeSecret: _none, ...older } = state;
    expect(() => localSmoke(older, { PORT: '3104' })).toThrow(/no smoke secret .*restart npm start/);
  });
});

describe('the smoke events', () => {
  it('are smoke events, unique to the run, of the two types, with the SMOKE-TEST voucher', () => {
    const events = smokeEvents('run1', Date.parse('2026-12-02T10:00:00.000Z'));
    const other = smokeEvents('run2', Date.parse('2026-12-02T10:00:00.000Z'));

    const all = [events.failed, events.rollbackFailed, events.unsigned];
    expect(all.every((e) => isSmokeEvent(e.eventId) && e.eventId.includes('run1'))).toBe(true);
    expect(new Set(all.map((e) => e.eventId)).size).toBe(3);
    expect(other.rollbackFailed.eventId).not.toBe(events.rollbackFailed.eventId);
    expect([events.failed.type, events.rollbackFailed.type]).toEqual([
      'redemption.failed',
      'redemption.rollback.failed',
    ]);
    const body = JSON.parse(events.rollbackFailed.body.toString()) as {
      event: { id: string; created_at: string };
      data: { voucher: { code: string } };
    };
    expect(body.event.id).toBe(events.rollbackFailed.eventId);
    expect(body.event.created_at).toBe('2026-12-02T10:00:00.000Z');
    expect(body.data.voucher.code).toBe('SMOKE-TEST');
  });
});

describe('the report', () => {
  const target = targetFromOutputs('S', 'us-east-1', OUTPUTS, 's');
  const result = (name: string, status: StepResult['status']): StepResult => ({ name, status, detail: 'd', ms: 5 });

  it('exits 0 with skips and passes only, 1 with any failure', () => {
    expect(exitCode([result('a', 'pass'), result('b', 'skip')])).toBe(0);
    expect(exitCode([result('a', 'pass'), result('b', 'fail'), result('c', 'skip')])).toBe(1);
  });

  it('ends with the verdict line', () => {
    expect(formatTable(target, [result('a', 'pass'), result('b', 'skip')])).toMatch(
      /\nPASS: 1 passed, 1 skipped, 0 failed$/,
    );
    expect(formatTable(target, [result('a', 'fail'), result('b', 'pass')])).toMatch(/\nFAIL: 1 failed, 1 passed$/);
  });

  it('a detail quoting what the target answered reaches the terminal with its control characters shown', () => {
    // Prepare: an answer body echoed into a failed step's detail.
    const target = targetFromOutputs('s', 'eu-west-1', { WebhookUrl: 'u', TableName: 't', AlertTopicArn: 'a' }, 'x');
    const failed: StepResult = { name: 'a', status: 'fail', detail: `answered ${HOSTILE.clear}${HOSTILE.osc8}`, ms: 1 };

    // Act
    const text = formatTable(target, [failed]);

    // Assess
    expect(rawControl(text)).toBeUndefined();
    expect(text).toContain('answered <U+001B>[2J<U+001B>[H<U+001B>]8;;https://evil.example/');
  });
});
