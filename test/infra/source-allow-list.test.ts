/**
 * The optional source allow-list in the template: off by default, selected by Voucherify region name and/or extra
 * addresses through CDK context, checked at synth, and handed to the ingest function as ALLOWED_SOURCE_IPS in a form
 * the function's own cold-start reader accepts.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { readIngestSettings } from '../../functions/core/ingest/config';
import { VOUCHERIFY_SENDER_IPS } from '../../functions/core/ingest/source-ip';
import { SettingsError } from '../../lib/config';
import { ingestEnvironment, stackFromContext, stackFromProps, templateFromContext } from '../helpers/infra';

const EU1 = ['34.247.197.22', '63.32.191.141', '52.215.148.84'];
const US1 = ['100.25.106.67', '18.209.236.215', '34.192.255.99'];

/** What the deployed function would read at cold start from the template's environment. */
function coldStartList(env: Record<string, unknown>): readonly string[] | undefined {
  return readIngestSettings({ TABLE_NAME: 'events', ALLOWED_SOURCE_IPS: env.ALLOWED_SOURCE_IPS as string | undefined })
    .allowedSourceIps;
}

function settingsErrorOf(build: () => unknown): SettingsError {
  try {
    build();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError, got none');
}

describe('source allow-list', () => {
  it('is off by default: the ingest function gets no ALLOWED_SOURCE_IPS', () => {
    const env = ingestEnvironment(templateFromContext());
    expect(env).not.toHaveProperty('ALLOWED_SOURCE_IPS');
    expect(coldStartList(env)).toBeUndefined();
  });

  it('-c allowedSourceRegions=eu1 allows exactly the three eu1 sender addresses', () => {
    const env = ingestEnvironment(templateFromContext({ allowedSourceRegions: 'eu1' }));
    expect(env.ALLOWED_SOURCE_IPS).toBe(EU1.join(','));
    expect(coldStartList(env)).toEqual(EU1);
  });

  it('several regions and extra addresses (comma-separated, as -c passes them) are combined', () => {
    const env = ingestEnvironment(
      templateFromContext({ allowedSourceRegions: 'eu1,us1', allowedSourceIps: '198.51.100.0/24, 2001:db8::/32' }),
    );
    expect(coldStartList(env)).toEqual([...EU1, ...US1, '198.51.100.0/24', '2001:db8::/32']);
  });

  it('JSON arrays from cdk.json work too, and extra addresses alone turn it on', () => {
    const regions = ingestEnvironment(templateFromContext({ allowedSourceRegions: ['as1'] }));
    expect(coldStartList(regions)).toEqual(VOUCHERIFY_SENDER_IPS.as1);
    const extra = ingestEnvironment(templateFromContext({ allowedSourceIps: ['203.0.113.7'] }));
    expect(coldStartList(extra)).toEqual(['203.0.113.7']);
  });

  it('props work like context (another CDK app embedding the stack)', () => {
    const stack = stackFromProps({ allowedSourceRegions: ['us1'] });
    expect(coldStartList(ingestEnvironment(Template.fromStack(stack)))).toEqual(US1);
  });

  it('synth stops on an unknown region or a bad address, naming each', () => {
    const error = settingsErrorOf(() =>
      stackFromContext({ allowedSourceRegions: 'eu1,eu2', allowedSourceIps: '34.247.197.300,10.0.0.0/33' }),
    );
    expect(error.problems).toEqual([
      'allowedSourceRegions must name Voucherify regions (eu1, us1, as1); got "eu2"',
      expect.stringMatching(/^allowedSourceIps must be IP addresses or CIDR blocks: "34\.247\.197\.300" is not/),
      expect.stringMatching(/^allowedSourceIps must be IP addresses or CIDR blocks: "10\.0\.0\.0\/33" has a prefix/),
    ]);
  });

  it('synth refuses 0.0.0.0/0 (it would look like an allow-list and allow everything)', () => {
    expect(settingsErrorOf(() => stackFromContext({ allowedSourceIps: '0.0.0.0/0' })).message).toContain(
      '/0 would allow every address',
    );
  });

  it('synth refuses a list too long for a Lambda environment variable', () => {
    const many = Array.from({ length: 200 }, (_, i) => `198.51.${Math.floor(i / 100)}.${i % 100}`);
    expect(settingsErrorOf(() => stackFromContext({ allowedSourceIps: many })).message).toContain(
      'characters long; at most 2048',
    );
  });
});
