/**
 * Docs that cannot drift (issue 22, item 4): what README.md and docs/ say about the deployed stack is read back from
 * the synthesized template and the code's constants. An output, alarm, setting or price added anywhere fails here
 * until the docs say it too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTEXT_KEYS, DEFAULT_SETTINGS, MAX_BODY_BYTES_LIMIT } from '../../lib/config';
import { idleMonthlyCost, idleTotal } from '../../tools/cost/idle';
import { stackFromContext } from '../helpers/infra';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const README = read('README.md');
const DOCS = ['README.md', 'SECURITY.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

// Chat on, so the template holds every output a deployment can have (ChatTopicArn exists only with chat).
const stack = stackFromContext({ chatTopic: true });
const template = Template.fromStack(stack).toJSON();
const alarms = Object.values(template.Resources).filter(
  (r) => (r as { Type: string }).Type === 'AWS::CloudWatch::Alarm',
) as { Properties: { AlarmDescription: string; Threshold?: number } }[];

/** The markdown section under a heading, up to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const level = heading.match(/^#+/)?.[0].length ?? 2;
  const rest = markdown.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  return end < 0 ? rest : rest.slice(0, end);
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

describe('README and docs against the template', () => {
  it('the first-deploy checklist lists exactly the stack’s outputs', () => {
    const listed = [...section(README, '### First-deploy checklist').matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual(Object.keys(template.Outputs).sort());
  });

  it('every number of alarms the docs state is the template’s', () => {
    const stated = DOCS.flatMap((file) =>
      [
        ...read(file).matchAll(/\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) \**alarms\b/gi),
      ].map((m) => ({ file, text: m[0], count: NUMBER_WORDS[(m[1] as string).toLowerCase()] ?? Number(m[1]) })),
    );
    expect(stated.length).toBeGreaterThan(0);
    expect(stated.filter((s) => s.count !== alarms.length)).toEqual([]);
  });

  it('every alarm names its runbook, and the runbook section exists', () => {
    const broken = alarms.flatMap(({ Properties: { AlarmDescription: description } }) => {
      const ref = /(docs\/[\w-]+\.md), "([^"]+)"/.exec(description);
      if (!ref) return [`no runbook in: ${description}`];
      const headings = read(ref[1] as string).match(/^#+ .*$/gm) ?? [];
      return headings.some((h) => h.replace(/^#+ /, '') === ref[2]) ? [] : [`${ref[1]} has no heading "${ref[2]}"`];
    });
    expect(broken).toEqual([]);
  });

  it('the configuration table documents every setting, with its default', () => {
    const table = section(README, '## Configuration');
    const rows = [...table.matchAll(/^\| (`[^|]+) \| ([^|]+) \|/gm)].map((m) => ({
      keys: [...(m[1] as string).matchAll(/`(\w+)`/g)].map((k) => k[1] as string),
      fallback: (m[2] as string).trim(),
    }));
    const documented = rows.flatMap((row) => row.keys);
    expect([...documented].sort()).toEqual(Object.keys(CONTEXT_KEYS).sort());
    for (const row of rows) {
      const key = row.keys[0] as keyof typeof DEFAULT_SETTINGS;
      const value = DEFAULT_SETTINGS[key];
      if (typeof value === 'number') expect(`${key}: ${row.fallback}`).toBe(`${key}: ${value}`);
    }
    expect(table).toContain(`at most ${MAX_BODY_BYTES_LIMIT}`);
  });

  it('the parts and props the README names exist on the construct', () => {
    const named = [...section(README, '## Add it to your own stack').matchAll(/\(`(\w+)`(?:, `(\w+)`)*/g)];
    expect(named.length).toBeGreaterThan(0);
    for (const part of ['eventsTable', 'webhookSecret', 'ingestFunction', 'api', 'alerts', 'observability'])
      expect(stack.receiver).toHaveProperty(part);
    const props = [...section(README, '## Add it to your own stack').matchAll(/plus `(\w+)` and `(\w+)`/g)][0];
    expect(props?.slice(1)).toEqual(['alertTopic', 'alertTopicKey']);
  });

  it('the idle monthly cost in the README is the template’s, at the prices in tools/cost/pricing.ts', () => {
    const lines = idleMonthlyCost(template);
    const total = idleTotal(lines);
    const costs = section(README, '### What it costs');
    expect(costs).toContain(`**Idle: $${total.perMonth.toFixed(2)} a month**`);
    expect(costs).toContain(`($${total.perMonthLater.toFixed(2)} from the alert key`);
    const alarmLine = lines.find((line) => line.label.includes('alarm metric'));
    expect(costs).toContain(alarmLine?.label.replace(' (', ', ').replace(')', '') ?? 'no alarm line');
    for (const line of lines) expect(costs).toContain(`$${line.perMonth.toFixed(2)}`);
  });

  it('the stream mapping and alarm numbers quoted in docs/alerts.md and docs/operating.md are the template’s', () => {
    const mapping = Object.values(template.Resources).find(
      (r) => (r as { Type: string }).Type === 'AWS::Lambda::EventSourceMapping',
    ) as { Properties: { MaximumRetryAttempts: number; MaximumRecordAgeInSeconds: number } };
    const { MaximumRetryAttempts: retries, MaximumRecordAgeInSeconds: age } = mapping.Properties;
    expect(read('docs/alerts.md')).toContain(`${retries} retries or ${age / 3600} hours`);
    const { BatchSize: batch } = mapping.Properties as unknown as { BatchSize: number };
    expect(read('docs/alerts.md')).toContain(`batch ${batch}, split on error, ${retries} retries, ${age / 3600} h`);
    const dlq = alarms.find((a) => a.Properties.AlarmDescription.includes('alerts DLQ'));
    expect(dlq?.Properties.AlarmDescription).toContain(`${retries} retries or ${age / 3600} hours`);
    const lag = alarms.find((a) => a.Properties.AlarmDescription.includes('behind the events table')) as unknown as {
      Properties: { Threshold: number; EvaluationPeriods: number; Period: number };
    };
    const behind = lag.Properties.Threshold / 60_000;
    const during = (lag.Properties.EvaluationPeriods * lag.Properties.Period) / 60;
    expect(read('docs/alerts.md')).toContain(`alerts are ${behind} minutes behind the table for ${during} minutes`);
    const signature = alarms.find((a) => a.Properties.AlarmDescription.includes('Signature failures'));
    expect(read('docs/operating.md')).toContain(`*${signature?.Properties.Threshold} or more 401s in 5 minutes*`);
    expect(signature?.Properties.AlarmDescription).toContain(`${signature?.Properties.Threshold} or more requests`);
  });

  it('the @default of every setting in lib/config.ts (TSDoc) is the default applied (DEFAULT_SETTINGS)', () => {
    // Comments quote numbers; this keeps them the constant's. Read from the source, so a new setting is checked too.
    const source = read('lib/config.ts');
    const documented = [
      ...source.matchAll(/@default ([\d_]+)\b[^\n]*\n(?:\s*\*[^\n]*\n)*?\s*\*\/\s*\n\s*readonly (\w+)\?/g),
    ].map((m) => ({
      key: m[2] as keyof typeof DEFAULT_SETTINGS,
      stated: Number((m[1] as string).replaceAll('_', '')),
    }));
    expect(documented.map((d) => d.key)).toEqual(expect.arrayContaining(['retentionDays', 'maxBodyBytes']));
    expect(documented.filter((d) => DEFAULT_SETTINGS[d.key] !== d.stated)).toEqual([]);
  });
});
