/**
 * The local mode's console routing (local/runtime/console.ts): the functions' Powertools lines become readable lines
 * or are left out, unless verbose; everything else passes unchanged.
 */
import { createPowertoolsLogger, powertoolsLogger } from '../../functions/adapters/powertools-logger';
import { createPowertoolsMetrics, powertoolsMetrics } from '../../functions/adapters/powertools-metrics';
import { METRICS_NAMESPACE } from '../../functions/core/shared/metrics';
import { ingestMetrics } from '../../functions/core/shared/operational-metrics';
import { routeFunctionOutput, wantsRawLines } from '../../local/runtime/console';
import { captureOutput } from '../helpers/capture-output';
import { HOSTILE, rawControl } from '../helpers/terminal';

/** What a request and an alert write in the local mode: the functions' lines, a request line, an alert email. */
function writeOneRequestAndAlert(): void {
  const ingest = powertoolsLogger(createPowertoolsLogger({ function: 'ingest', level: 'info', service: 'local' }));
  const alerts = powertoolsLogger(createPowertoolsLogger({ function: 'alerts', level: 'info', service: 'local' }));
  const metrics = powertoolsMetrics(createPowertoolsMetrics({ namespace: METRICS_NAMESPACE, service: 'local' }));
  ingest.log('info', 'webhook accepted', { eventId: 'evrrf_1', outcome: 'accepted' });
  metrics.record(ingestMetrics({ kind: 'accepted', eventId: 'evrrf_1' }, { latencyMs: 3, eventType: 'x.y' }));
  // process.stdout.write, as console.log does outside Jest (whose console does not reach the stream).
  process.stdout.write('[receiver] POST /webhooks/voucherify -> 202 accepted evrrf_1 (12 ms)\n');
  ingest.log('warn', 'webhook signature_invalid', { outcome: 'signature_invalid' });
  alerts.log('info', 'alert published', { eventId: 'evrrf_1', messageId: 'm-1', fallback: false });
  alerts.log('info', 'alerts batch done', { records: 1 });
  alerts.log('error', 'alert published but its marker was not written', { eventId: 'evrrf_1', error: 'Boom: down' });
  process.stdout.write(
    '[alert] Rollback failed: already_rolled_back - CODE-1\n  | A Voucherify redemption rollback failed.\n',
  );
}

describe('local console routing', () => {
  it('by default prints the request line, the alert outcome, the alert email and problems, nothing raw', async () => {
    // Prepare
    const readable: string[] = [];

    // Act
    const { stdout, stderr } = await captureOutput(() => {
      const routing = routeFunctionOutput({ verbose: false, print: (line) => readable.push(line) });
      try {
        writeOneRequestAndAlert();
      } finally {
        routing.restore();
      }
    });

    // Assess
    expect(readable).toEqual([
      '[alerts] alert published: evrrf_1, SNS message m-1',
      '[alerts] error: alert published but its marker was not written (evrrf_1; Boom: down)',
    ]);
    expect(stdout).toEqual([
      '[receiver] POST /webhooks/voucherify -> 202 accepted evrrf_1 (12 ms)',
      '[alert] Rollback failed: already_rolled_back - CODE-1',
      '  | A Voucherify redemption rollback failed.',
    ]);
    expect(stderr).toEqual([]);
  });

  it('verbose adds every raw JSON log line and EMF line, in order, on their own streams', async () => {
    // Prepare
    const readable: string[] = [];

    // Act
    const { stdout, stderr } = await captureOutput(() => {
      const routing = routeFunctionOutput({ verbose: true, print: (line) => readable.push(line) });
      try {
        writeOneRequestAndAlert();
      } finally {
        routing.restore();
      }
    });

    // Assess
    expect(readable).toHaveLength(2);
    const raw = stdout.filter((line) => line.startsWith('{'));
    // Latency; Events by outcome and by outcome and type, one line (no failure code, so no Failures).
    expect(raw.filter((line) => line.includes('"_aws"'))).toHaveLength(2);
    expect(raw.map((line) => JSON.parse(line).message).filter(Boolean)).toEqual([
      'webhook accepted',
      'alert published',
      'alerts batch done',
    ]);
    expect(stderr.map((line) => JSON.parse(line).message)).toEqual([
      'webhook signature_invalid',
      'alert published but its marker was not written',
    ]);
  });

  it('restore puts the streams back', async () => {
    // Prepare
    const readable: string[] = [];
    const routing = routeFunctionOutput({ verbose: false, print: (line) => readable.push(line) });

    // Act
    routing.restore();
    const { stdout } = await captureOutput(() => process.stdout.write('{"_aws":{},"level":"INFO"}\n'));

    // Assess
    expect(stdout).toEqual(['{"_aws":{},"level":"INFO"}']);
    expect(readable).toEqual([]);
  });

  it('LOG_FORMAT=json asks for the raw lines', () => {
    expect(wantsRawLines({ LOG_FORMAT: 'JSON' })).toBe(true);
    expect(wantsRawLines({ LOG_FORMAT: 'text' })).toBe(false);
    expect(wantsRawLines({})).toBe(false);
  });

  it('nothing reaches the terminal raw: request lines, readable lines, other text and verbose JSON lines', async () => {
    // Prepare: a request path and an event id with escape sequences, as a caller can send them.
    const readable: string[] = [];
    const eventId = `evrrf_${HOSTILE.osc52}`;
    const ingest = powertoolsLogger(createPowertoolsLogger({ function: 'ingest', level: 'info', service: 'local' }));
    const alerts = powertoolsLogger(createPowertoolsLogger({ function: 'alerts', level: 'info', service: 'local' }));

    // Act
    const { stdout, stderr } = await captureOutput(() => {
      const routing = routeFunctionOutput({ verbose: true, print: (line) => readable.push(line) });
      try {
        process.stdout.write(`[receiver] POST /webhooks/${HOSTILE.c1}${HOSTILE.clear} -> 404 not_found (1 ms)\n`);
        process.stdout.write(`[alert] Rollback failed: ${HOSTILE.osc8}\n  | ${HOSTILE.bidi}{x}\n`);
        process.stdout.write(`no newline ${HOSTILE.clear}`);
        alerts.log('info', 'alert published', { eventId, messageId: 'm-1' });
        ingest.log('error', `webhook internal_error ${HOSTILE.c1}`, { eventId, error: HOSTILE.lineForge });
      } finally {
        routing.restore();
      }
    });

    // Assess
    for (const line of [...readable, ...stdout, ...stderr]) expect(rawControl(line)).toBeUndefined();
    expect(stdout[0]).toBe('[receiver] POST /webhooks/<U+009B>31m<U+001B>[2J<U+001B>[H -> 404 not_found (1 ms)');
    expect(readable[0]).toBe('[alerts] alert published: evrrf_<U+001B>]52;c;cHduZWQ=<U+0007>, SNS message m-1');
    expect(readable[1]).toContain('ok<U+000D>');
    // Verbose raw lines stay JSON: the characters escaped, the values the same.
    const raw = stderr.map((line) => JSON.parse(line));
    expect(raw[0]).toMatchObject({ message: `webhook internal_error ${HOSTILE.c1}`, eventId });
  });
});
