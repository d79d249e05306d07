import { RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { DEFAULT_SETTINGS, MAX_BODY_BYTES_LIMIT, resolveSettings, SettingsError } from '../../lib/config';
import {
  eventsTable,
  ingestEnvironment,
  ingestFunction,
  stackFromContext,
  stackFromProps,
  templateFromContext,
  webhookSecret,
} from '../helpers/infra';

describe('settings from the CDK context', () => {
  it('retentionDays given with -c (a string) reaches the function as RETENTION_DAYS', () => {
    expect(ingestEnvironment(templateFromContext({ retentionDays: '90' })).RETENTION_DAYS).toBe('90');
  });

  it('typed values from cdk.json are read too, and every setting lands where it applies', () => {
    const template = templateFromContext({
      maxBodyBytes: 131072,
      throttlingRatePerSecond: 10,
      throttlingBurstRequests: 20,
      logRetentionDays: 90,
      memorySizeMb: 1024,
      logLevel: 'debug',
    });
    expect(ingestEnvironment(template)).toMatchObject({ MAX_BODY_BYTES: '131072', LOG_LEVEL: 'debug' });
    expect(ingestFunction(template).properties.MemorySize).toBe(1024);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    const retentions = Object.values(template.findResources('AWS::Logs::LogGroup')).map(
      (group) => group.Properties.RetentionInDays,
    );
    expect(retentions.length).toBeGreaterThanOrEqual(2); // the function's and the API's
    expect(retentions.every((days) => days === 90)).toBe(true);
  });

  it('a throw-away stack: removalPolicy destroy with deletionProtection false', () => {
    const template = templateFromContext({ removalPolicy: 'destroy', deletionProtection: 'false' });
    expect(eventsTable(template).resource).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
    expect(webhookSecret(template).resource.DeletionPolicy).toBe('Delete');
  });

  it('optional names are passed through', () => {
    const template = templateFromContext({
      tableName: 'voucherify-events',
      webhookSecretName: 'voucherify/webhook-secret',
      ingestFunctionName: 'voucherify-ingest',
      apiName: 'voucherify-webhooks',
    });
    expect(eventsTable(template).properties.TableName).toBe('voucherify-events');
    expect(webhookSecret(template).properties.Name).toBe('voucherify/webhook-secret');
    expect(ingestFunction(template).properties.FunctionName).toBe('voucherify-ingest');
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'voucherify-webhooks' });
  });

  it('without names, the API is named after the stack and the rest is left to CloudFormation', () => {
    const template = templateFromContext();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'VoucherifyWebhooks' });
    expect(eventsTable(template).properties.TableName).toBeUndefined();
    expect(ingestFunction(template).properties.FunctionName).toBeUndefined();
  });

  it('an unknown context key (a typo) is reported as a warning, not silently ignored', () => {
    const stack = stackFromContext({ retentionDay: '90' });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('"retentionDay" is not a setting'));
    // ...while CDK's own keys are not.
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('aws:cdk:bundling-stacks'));
  });
});

describe('invalid settings are refused with a message that says what to change', () => {
  it.each([
    [
      { maxBodyBytes: String(MAX_BODY_BYTES_LIMIT + 1) },
      /maxBodyBytes must be at most 6291456 \(Lambda's invocation payload limit/,
    ],
    [{ maxBodyBytes: '256' }, /maxBodyBytes is in bytes/],
    [{ retentionDays: 'a year' }, /context retentionDays must be a number; got "a year"/],
    [{ retentionDays: '0' }, /retentionDays must be a whole number of days, at least 1; got 0/],
    [{ retentionDays: 1.5 }, /retentionDays must be a whole number/],
    [{ logRetentionDays: '45' }, /logRetentionDays must be one of 1, 3, 5, 7, 14, 30, .*; got 45/],
    [{ memorySizeMb: '64' }, /memorySizeMb must be a whole number of MB from 128 to 10240; got 64/],
    [{ throttlingRatePerSecond: '0' }, /throttlingRatePerSecond must be above 0/],
    [{ throttlingBurstRequests: '2.5' }, /throttlingBurstRequests must be a whole number/],
    [{ logLevel: 'verbose' }, /logLevel must be one of debug, info, warn, error; got verbose/],
    [{ removalPolicy: 'snapshot' }, /context removalPolicy must be retain or destroy; got "snapshot"/],
    [{ deletionProtection: 'yes' }, /context deletionProtection must be true or false; got "yes"/],
    [{ removalPolicy: 'destroy' }, /removalPolicy destroy needs deletionProtection false/],
    [{ tableName: 'ab' }, /tableName must be 3-255 letters/],
    [{ ingestFunctionName: 'has spaces' }, /ingestFunctionName must be 1-64 letters/],
  ])('context %j', (context, message) => {
    expect(() => stackFromContext(context)).toThrow(message);
  });

  it('every problem is listed at once, not one per attempt', () => {
    expect(() => stackFromContext({ retentionDays: '0', memorySizeMb: '64' })).toThrow(
      expect.objectContaining({
        name: 'SettingsError',
        problems: [expect.stringMatching(/retentionDays/), expect.stringMatching(/memorySizeMb/)],
      }),
    );
  });

  it('props are checked the same way as context (an app embedding the stack)', () => {
    expect(() => stackFromProps({ maxBodyBytes: MAX_BODY_BYTES_LIMIT + 1 })).toThrow(SettingsError);
    expect(() => stackFromProps({ removalPolicy: RemovalPolicy.SNAPSHOT, deletionProtection: false })).toThrow(
      /removalPolicy must be retain or destroy/,
    );
  });
});

describe('defaults', () => {
  it('match the receiver’s own defaults, so an unconfigured stack behaves like local mode', () => {
    expect(DEFAULT_SETTINGS.maxBodyBytes).toBe(DEFAULT_INGEST_CONFIG.maxBodyBytes);
    expect(DEFAULT_SETTINGS.retentionDays).toBe(DEFAULT_INGEST_CONFIG.retentionDays);
  });

  it('the limit for unproven bodies is at most what Lambda can be handed, and the limit itself is accepted', () => {
    expect(MAX_BODY_BYTES_LIMIT).toBe(6 * 1024 * 1024);
    expect(resolveSettings({ maxBodyBytes: MAX_BODY_BYTES_LIMIT }).maxBodyBytes).toBe(MAX_BODY_BYTES_LIMIT);
    expect(resolveSettings({}).maxBodyBytes).toBeLessThanOrEqual(MAX_BODY_BYTES_LIMIT);
  });

  it('the stack exposes what it was built with', () => {
    expect(stackFromProps({ retentionDays: 30 }).settings).toMatchObject({ ...DEFAULT_SETTINGS, retentionDays: 30 });
  });

  it('StackProps such as description do not leak into the settings', () => {
    const stack = stackFromContext({}, { description: 'custom' });
    expect(stack.settings).not.toHaveProperty('description');
    expect(Template.fromStack(stack).toJSON().Description).toBe('custom');
  });
});
