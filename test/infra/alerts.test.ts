import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ALERT_MARKER } from '../../functions/adapters/dynamodb-alert-ledger';
import { ALERTS_FILTER_PATTERN, CASE_ANNOUNCE_FILTER_PATTERN } from '../../functions/alerts/filter';
import { SettingsError } from '../../lib/config';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';
import { alertsFunction, type Found, newApp, referencedId, resourceById, STACK_NAME } from '../helpers/infra';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON; tests read them as such.
type Json = any;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Principal?: Json;
  Condition?: Json;
  Sid?: string;
}

const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

function templateFor(context: Record<string, unknown> = {}): Template {
  return Template.fromStack(VoucherifyWebhooksStack.fromContext(newApp(context), STACK_NAME));
}

function topicOf(template: Template): Found {
  const env = alertsFunction(template).properties.Environment.Variables;
  return resourceById(template, referencedId(env.TOPIC_ARN), 'AWS::SNS::Topic');
}

function mappingOf(template: Template): Found {
  const fn = alertsFunction(template);
  const found = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
    ([, resource]) => referencedId(resource.Properties.FunctionName) === fn.id,
  );
  if (found.length !== 1) throw new Error(`expected one mapping for the alerts function, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: resource.Properties, resource };
}

function deadLetterQueueOf(template: Template): Found {
  const destination = mappingOf(template).properties.DestinationConfig.OnFailure.Destination;
  return resourceById(template, referencedId(destination), 'AWS::SQS::Queue');
}

function keyOf(template: Template): Found {
  return resourceById(template, referencedId(topicOf(template).properties.KmsMasterKeyId), 'AWS::KMS::Key');
}

/** The events table: the one the alerts function's TABLE_NAME names. */
function tableOf(template: Template): Found {
  const env = alertsFunction(template).properties.Environment.Variables;
  return resourceById(template, referencedId(env.TABLE_NAME), 'AWS::DynamoDB::Table');
}

/** Every statement of every policy attached to the alerts function's role. */
function alertsStatements(template: Template): Statement[] {
  const roleId = referencedId(alertsFunction(template).properties.Role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function alarmsOf(template: Template): Json[] {
  // The operations alarms (ingest, API, quarantine; runbook in docs/operating.md) are tested in observability.test.ts.
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((alarm) => alarm.Properties)
    .filter((alarm) => !String(alarm.AlarmDescription).includes('docs/operating.md'));
}

const template = templateFor();

describe('event source mapping', () => {
  it('reads the events table stream from the trim horizon into the alerts function', () => {
    const mapping = mappingOf(template).properties;
    expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': [tableOf(template).id, 'StreamArn'] });
    expect(mapping.StartingPosition).toBe('TRIM_HORIZON');
  });

  it('lets through only new rollback failures (the same pattern the handler and the local mode apply)', () => {
    const filters = mappingOf(template).properties.FilterCriteria.Filters as { Pattern: string }[];
    expect(filters).toHaveLength(2);
    // The second: a case whose acknowledgement or resolution is to be announced.
    expect(JSON.parse(filters[1]!.Pattern)).toEqual(CASE_ANNOUNCE_FILTER_PATTERN);
    const pattern = JSON.parse(filters[0]!.Pattern);
    expect(pattern).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { type: { S: ['redemption.rollback.failed'] } } },
    });
    expect(pattern).toEqual(ALERTS_FILTER_PATTERN);
  });

  it('splits failing batches, caps retries and record age, reports partial batch failures', () => {
    expect(mappingOf(template).properties).toMatchObject({
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('sends what it gives up on to the dead-letter queue', () => {
    const destination = mappingOf(template).properties.DestinationConfig.OnFailure.Destination;
    expect(destination).toEqual({ 'Fn::GetAtt': [deadLetterQueueOf(template).id, 'Arn'] });
  });
});

describe('dead-letter queue', () => {
  it('is encrypted (SQS-managed) and keeps messages for 14 days', () => {
    expect(deadLetterQueueOf(template).properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
    });
  });

  it('refuses requests without TLS', () => {
    const queueId = deadLetterQueueOf(template).id;
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify(p.Properties.Queues).includes(`"${queueId}"`),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('alert topic and its key', () => {
  it('the topic is encrypted with a customer-managed key that rotates', () => {
    expect(topicOf(template).properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyOf(template).id, 'Arn'] });
    expect(keyOf(template).properties.EnableKeyRotation).toBe(true);
  });

  it('the key policy lets CloudWatch alarms use the key to publish', () => {
    const statements = keyOf(template).properties.KeyPolicy.Statement as Statement[];
    const cloudwatch = statements.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(cloudwatch).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    ]);
  });

  it('the topic policy denies publishing without TLS and lets only this account’s alarms publish', () => {
    const topicId = topicOf(template).id;
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((p) =>
      JSON.stringify(p.Properties.Topics).includes(`"${topicId}"`),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const alarms = statements.find((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(alarms).toMatchObject({
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: { Ref: topicId },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: expect.anything() },
    });
  });

  it('has no subscriptions unless alertEmails is set', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each([
    ['a JSON array (cdk.json)', ['oncall@example.com', 'payments@example.com']],
    ['a comma-separated string (-c alertEmails=...)', 'oncall@example.com, payments@example.com'],
  ])('subscribes every address in alertEmails given as %s', (_, alertEmails) => {
    const withEmails = templateFor({ alertEmails });
    const topicId = topicOf(withEmails).id;
    const subscriptions = Object.values(withEmails.findResources('AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions).toEqual([
      { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } },
      { Protocol: 'email', Endpoint: 'payments@example.com', TopicArn: { Ref: topicId } },
    ]);
  });

  it('refuses an alertEmails entry that is not an email address', () => {
    expect(() => templateFor({ alertEmails: ['oncall@example.com', 'not-an-address'] })).toThrow(SettingsError);
  });
});

describe('alerts function', () => {
  it('is told the topic and the table, and leaves the customer email out by default', () => {
    const env = alertsFunction(template).properties.Environment.Variables;
    expect(env).toMatchObject({
      TOPIC_ARN: { Ref: topicOf(template).id },
      TABLE_NAME: { Ref: tableOf(template).id },
      INCLUDE_CUSTOMER_EMAIL: 'false',
      LOG_LEVEL: 'info',
    });
  });

  it('includeCustomerEmail turns the customer email on', () => {
    const env = alertsFunction(templateFor({ includeCustomerEmail: 'true' })).properties.Environment.Variables;
    expect(env.INCLUDE_CUSTOMER_EMAIL).toBe('true');
  });

  it('has a timeout far above a batch of ten publishes', () => {
    expect(alertsFunction(template).properties.Timeout).toBe(60);
  });
});

describe('alerts permissions (least privilege)', () => {
  const statements = alertsStatements(template);
  const withAction = (prefix: string) => statements.filter((s) => asList(s.Action).some((a) => a.startsWith(prefix)));

  it('may publish to the alert topic only, with the two KMS actions SNS needs on its key', () => {
    expect(withAction('sns:')).toEqual([
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topicOf(template).id } },
    ]);
    expect(withAction('kms:')).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': [keyOf(template).id, 'Arn'] },
      },
    ]);
  });

  it('may read the table stream, and only it', () => {
    const stream = statements.filter((s) =>
      asList(s.Action).some((a) => /^dynamodb:(\w*Stream\w*|GetRecords|GetShardIterator)$/.test(a)),
    );
    expect(stream).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: { 'Fn::GetAtt': [tableOf(template).id, 'StreamArn'] },
      },
      // ListStreams supports no resource type (AWS's reference data), so "*" is the only resource it can take.
      { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
    ]);
  });

  it('may read and update only the alert marker on an item', () => {
    const tableArn = { 'Fn::GetAtt': [tableOf(template).id, 'Arn'] };
    const items = withAction('dynamodb:').filter(
      (s) => !JSON.stringify(s.Resource).includes('StreamArn') && s.Action !== 'dynamodb:ListStreams',
    );
    expect(items).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': ['pk', ALERT_MARKER.alertedAt, ALERT_MARKER.messageId],
          },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': ['pk', ALERT_MARKER.alertedAt, ALERT_MARKER.messageId],
          },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
        },
      },
      // Cases: whole case items (read, and written over the version read), and the burst-window counters, only.
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['case#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['casewindow#*'] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ]);
  });

  it('may send to the dead-letter queue, and receive from nothing', () => {
    const sqs = withAction('sqs:');
    expect(sqs).toHaveLength(1);
    expect(sqs[0]?.Resource).toEqual({ 'Fn::GetAtt': [deadLetterQueueOf(template).id, 'Arn'] });
    expect(asList(sqs[0]!.Action)).toContain('sqs:SendMessage');
    expect(asList(sqs[0]!.Action).filter((a) => /Receive|Delete|Purge/.test(a))).toEqual([]);
  });

  it('nothing else: no wildcard action, no wildcard resource but ListStreams, no write to events', () => {
    // PutItem only on case items (the LeadingKeys condition above); never on an event.
    const all = statements
      .filter((s) => !JSON.stringify(s.Condition ?? {}).includes('"case#*"'))
      .flatMap((s) => asList(s.Action));
    expect(all.filter((a) => /PutItem|DeleteItem|BatchWrite|Scan|Query/.test(a))).toEqual([]);
    for (const statement of statements) {
      expect(asList(statement.Action).filter((action) => action.includes('*'))).toEqual([]);
      if (statement.Action !== 'dynamodb:ListStreams') expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
    }
    // logs (own group), sns, kms, stream, ListStreams, GetItem, UpdateItem, sqs, case items, window counters,
    // s3:GetObject (bodies/ only)
    expect(statements).toHaveLength(11);
  });
});

describe('alarms', () => {
  const alarms = alarmsOf(template);
  const topicRef = { Ref: topicOf(template).id };
  const find = (metricName: string) => alarms.filter((a) => a.MetricName === metricName);

  it('four alarms notify the alert topic when they fire and when they recover (the oldest open case among them)', () => {
    expect(alarms).toHaveLength(4);
    expect(find('OldestOpenCaseAgeSeconds')).toEqual([expect.objectContaining({ Threshold: 48 * 3600 })]);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topicRef]);
      expect(alarm.OKActions).toEqual([topicRef]);
      expect(alarm.AlarmDescription).toMatch(/docs\/alerts\.md/);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });

  it('the DLQ alarm fires on the first message in the dead-letter queue', () => {
    expect(find('ApproximateNumberOfMessagesVisible')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueOf(template).id, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
  });

  it('the errors alarm watches the alerts function', () => {
    expect(find('Errors')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: alertsFunction(template).id } }],
        Statistic: 'Sum',
        Threshold: 1,
      }),
    ]);
  });

  it('the iterator-age alarm fires when alerts fall 5 minutes behind for 3 minutes', () => {
    expect(find('IteratorAge')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: alertsFunction(template).id } }],
        Statistic: 'Maximum',
        Threshold: 300_000,
        Period: 60,
        EvaluationPeriods: 3,
      }),
    ]);
  });
});

describe('outputs', () => {
  it('AlertTopicArn and AlertsDlqUrl point at the topic and the queue', () => {
    template.hasOutput('AlertTopicArn', { Value: { Ref: topicOf(template).id } });
    template.hasOutput('AlertsDlqUrl', { Value: { Ref: deadLetterQueueOf(template).id } });
  });
});

describe('cdk-nag AwsSolutions on the alerts resources', () => {
  it('finds nothing unsuppressed; the one suppression is the DLQ not having a DLQ', () => {
    const stack = VoucherifyWebhooksStack.fromContext(newApp(), STACK_NAME);
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].filter((finding) => finding.id.includes('/Alerts/'));
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`)).toEqual([]);

    const queue = deadLetterQueueOf(Template.fromStack(stack)).resource;
    const ids: string[] = queue.Metadata.cdk_nag.rules_to_suppress.map((s: { id: string }) => s.id);
    // The Serverless pack's suppressions (nag.test.ts) sit on the same queue.
    expect(ids.filter((id) => id.startsWith('AwsSolutions-'))).toEqual(['AwsSolutions-SQS3']);
  });
});

// Lets NodeFunction run esbuild for the alerts function, and loads the bundle as Lambda would.
describe('alerts bundle', () => {
  it('loads on Node, reads its settings and answers an empty batch with no failures', () => {
    const app = newApp({ 'aws:cdk:enable-asset-metadata': true }, { bundle: true });
    VoucherifyWebhooksStack.fromContext(app, STACK_NAME);
    const assembly = app.synth();
    const bundled = Template.fromJSON(assembly.getStackByName(STACK_NAME).template);
    const metadata = alertsFunction(bundled).resource.Metadata;
    const bundle = path.join(assembly.directory, metadata['aws:asset:path'], 'index.js');

    const out = execFileSync(
      process.execPath,
      [
        '-e',
        'require(process.argv[1]).handler({ Records: [] }).then((r) => process.stdout.write(JSON.stringify(r)))',
        bundle,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts',
          TABLE_NAME: 'events',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
      },
    );

    expect(out.split('\n').at(-1)).toBe('{"batchItemFailures":[]}');
  });
});
