/**
 * The default stack's template, as `cdk synth` builds it without any context: one synth (bundling skipped) shared by
 * every assertion in this file, which keeps the suite fast. Resources are found by type and through the references
 * between them (the API's integration names the ingest function, whose environment names the table and the secret),
 * never by logical id.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseSecrets } from '../../functions/adapters/secrets';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest/ingest';
import { ERASURE_READ_CONDITION } from '../../lib/constructs/voucherify-webhook-receiver';
import { INGEST_TIMEOUT, WEBHOOK_SECRET_PLACEHOLDER } from '../../lib/voucherify-webhooks-stack';
import {
  eventsTable,
  functionLogGroup,
  ingestEnvironment,
  ingestFunction,
  onlyResource,
  referencedId,
  resourceById,
  smokeSecret,
  templateFromContext,
  webhookSecret,
} from '../helpers/infra';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

let template: Template;
beforeAll(() => {
  template = templateFromContext();
});

describe('ingest function', () => {
  it('runs Node 24 on ARM with 512 MB and an 8 s timeout, below the 10 s Voucherify waits', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 8,
      Handler: 'index.handler',
    });
    expect(ingestFunction(template).properties).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 8 });
    expect(INGEST_TIMEOUT.toSeconds()).toBeLessThan(10);
  });

  it('logs to its own log group, kept 30 days, with no log-retention custom resource', () => {
    const logGroup = functionLogGroup(template, ingestFunction(template));
    expect(logGroup.properties.RetentionInDays).toBe(30);
    // The deprecated `logRetention` prop would add a Custom::LogRetention function with logs:* on "*".
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('has tracing off (no TracingConfig, so no xray:* on "*")', () => {
    expect(ingestFunction(template).properties.TracingConfig).toBeUndefined();
  });

  it('gets exactly the settings the handler reads, plus source maps', () => {
    const env = ingestEnvironment(template);
    expect(Object.keys(env).sort()).toEqual(
      [
        'BODY_BUCKET',
        'LOG_LEVEL',
        'MAX_BODY_BYTES',
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'RETENTION_DAYS',
        'SMOKE_SECRET_ARN',
        'TABLE_NAME',
        'WEBHOOK_PATH',
        'WEBHOOK_SECRET_ARN',
      ].sort(),
    );
    expect(env).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      WEBHOOK_PATH: DEFAULT_INGEST_CONFIG.webhookPath,
      MAX_BODY_BYTES: String(DEFAULT_INGEST_CONFIG.maxBodyBytes),
      RETENTION_DAYS: String(DEFAULT_INGEST_CONFIG.retentionDays),
      LOG_LEVEL: 'info',
    });
  });

  it('is pointed at the table and the secret by reference, never given a secret value', () => {
    const env = ingestEnvironment(template);
    // eventsTable() follows this Ref and fails unless it names a DynamoDB table.
    expect(env.TABLE_NAME).toEqual({ Ref: eventsTable(template).id });
    expect(env.WEBHOOK_SECRET_ARN).toEqual({ Ref: webhookSecret(template).id });
    expect(env.SMOKE_SECRET_ARN).toEqual({ Ref: smokeSecret(template).id });
    expect(smokeSecret(template).id).not.toBe(webhookSecret(template).id);
    expect(env).not.toHaveProperty('VOUCHERIFY_WEBHOOK_SECRET');
    expect(env).not.toHaveProperty('VOUCHERIFY_SMOKE_SECRET');
    // Every value is a literal setting or a reference: nothing resolved from the secret (no dynamic reference).
    for (const value of Object.values(env)) {
      if (typeof value !== 'string') expect(Object.keys(value)).toEqual(['Ref']);
      else expect(value).not.toMatch(/resolve:secretsmanager/);
    }
  });

  it('does not set AWS_NODEJS_CONNECTION_REUSE_ENABLED (an SDK v2 setting)', () => {
    expect(ingestEnvironment(template)).not.toHaveProperty('AWS_NODEJS_CONNECTION_REUSE_ENABLED');
  });
});

describe('HTTP API', () => {
  it('is an HTTP API with exactly one route, ANY /webhooks/voucherify (other paths get API Gateway 404)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `ANY ${DEFAULT_INGEST_CONFIG.webhookPath}`,
      AuthorizationType: 'NONE',
    });
  });

  it('sends the route to the ingest function as a payload 2.0 proxy integration', () => {
    const integration = onlyResource(template, 'AWS::ApiGatewayV2::Integration');
    expect(integration.properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
    });
    // The function behind it is the ingest handler: the one that reads the webhook path, the table and the secret.
    expect(ingestEnvironment(template)).toMatchObject({
      WEBHOOK_PATH: DEFAULT_INGEST_CONFIG.webhookPath,
      TABLE_NAME: expect.anything(),
      WEBHOOK_SECRET_ARN: expect.anything(),
    });
    const route = onlyResource(template, 'AWS::ApiGatewayV2::Route');
    expect(JSON.stringify(route.properties.Target)).toContain(`"${integration.id}"`);
  });

  it('lets only this API, on this path, invoke the function', () => {
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    const fn = ingestFunction(template);
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'apigateway.amazonaws.com' },
      }),
    );
    expect(permissions).toHaveLength(1);
    const permission = permissions[0]!.Properties;
    expect(permission).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fn.id, 'Arn'] },
    });
    const sourceArn = JSON.stringify(permission.SourceArn);
    expect(sourceArn).toContain(`{"Ref":"${api.id}"}`);
    expect(sourceArn).toContain(`/*/*${DEFAULT_INGEST_CONFIG.webhookPath}"`);
  });

  it('serves the $default stage, auto-deployed, throttled at 50 rps with a burst of 100', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
        DataTraceEnabled: Match.absent(),
      }),
    });
  });

  it('writes JSON access logs with the fields operators query to their own log group, kept 30 days', () => {
    const stage = onlyResource(template, 'AWS::ApiGatewayV2::Stage');
    const settings = stage.properties.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toEqual(
      expect.objectContaining({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    );
    const accessLogs = resourceById(template, referencedId(settings.DestinationArn), 'AWS::Logs::LogGroup');
    expect(accessLogs.properties.RetentionInDays).toBe(30);
    expect(accessLogs.id).not.toBe(functionLogGroup(template, ingestFunction(template)).id);
  });
});

describe('events table', () => {
  it('is keyed by the string partition key the adapter writes, with no sort key (indexes: observability.test.ts)', () => {
    expect(eventsTable(template).properties).toMatchObject({
      KeySchema: [{ AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: expect.arrayContaining([{ AttributeName: EVENTS_TABLE.partitionKey, AttributeType: 'S' }]),
    });
  });

  it('is on-demand, with point-in-time recovery and encryption under the AWS managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([Match.objectLike({ AttributeName: EVENTS_TABLE.partitionKey })]),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key id is the AWS managed key (aws/dynamodb); no SSESpecification is the AWS owned key.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
    expect(eventsTable(template).properties.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('expires items on the TTL attribute the adapter writes', () => {
    expect(eventsTable(template).properties.TimeToLiveSpecification).toEqual({
      AttributeName: EVENTS_TABLE.ttlAttribute,
      Enabled: true,
    });
  });

  it('streams new images for the alerts consumer', () => {
    expect(eventsTable(template).properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('is kept, and protected from deletion, by default', () => {
    expect(eventsTable(template).resource).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { DeletionProtectionEnabled: true },
    });
  });
});

describe('ingest permissions', () => {
  let statements: Statement[];
  beforeAll(() => {
    const roleId = referencedId(ingestFunction(template).properties.Role);
    // Every policy attached to the function's role, found through the role.
    statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  });

  it('the role has no managed or inline policies (AWSLambdaBasicExecutionRole would allow logs:* on "*")', () => {
    const role = resourceById(template, referencedId(ingestFunction(template).properties.Role), 'AWS::IAM::Role');
    expect(role.properties.ManagedPolicyArns).toBeUndefined();
    expect(role.properties.Policies).toBeUndefined();
  });

  it('may only PutItem, and GetItem of erasure records, and only on the events table itself', () => {
    const dynamo = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    const table = { 'Fn::GetAtt': [eventsTable(template).id, 'Arn'] };
    expect(dynamo).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: table },
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: table, Condition: ERASURE_READ_CONDITION },
    ]);
  });

  it('may only read the values of the webhook secret and the smoke secret', () => {
    const secrets = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: webhookSecret(template).id } },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: smokeSecret(template).id } },
    ]);
  });

  it('may write logs only to its own log group', () => {
    const logGroup = functionLogGroup(template, ingestFunction(template));
    const logs = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroup.id, 'Arn'] },
      },
    ]);
  });

  it('may only PutObject, and only under bodies/ of the bodies bucket (bodies too large for their item)', () => {
    const s3 = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('s3:')));
    const bucket = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(bucket).toHaveLength(1);
    expect(s3).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket[0], 'Arn'] }, '/bodies/*']] },
      },
    ]);
    expect(ingestEnvironment(template).BODY_BUCKET).toEqual({ Ref: bucket[0] });
  });

  it('has nothing else: six statements (logs, put, erasure-record read, two secrets, bodies), no wildcard action, no "*" resource', () => {
    expect(statements).toHaveLength(6);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(asList(statement.Action).filter((action) => action.includes('*'))).toEqual([]);
      expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
    }
  });

  it('no policy anywhere in the stack grants a "*" resource, but dynamodb:ListStreams (it takes no other)', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(all.length).toBeGreaterThan(0);
    const onStar = all.filter((statement) => asList(statement.Resource).includes('*'));
    expect(onStar.map((statement) => statement.Action)).toEqual(['dynamodb:ListStreams']);
  });
});

describe('webhook secret', () => {
  it('is created with a placeholder the receiver reads as "not configured" (so it answers 503)', () => {
    const secret = webhookSecret(template);
    expect(parseSecrets(secret.properties.SecretString)).toEqual([]);
    // Pinned: CloudFormation writes SecretString again whenever it changes in the template, which would overwrite
    // the value an operator set (and a wrong secret means 401s, which get the webhook disabled).
    expect(secret.properties.SecretString).toBe(WEBHOOK_SECRET_PLACEHOLDER);
    expect(WEBHOOK_SECRET_PLACEHOLDER).toBe('[]');
    expect(secret.properties.GenerateSecretString).toBeUndefined();
  });

  it('is kept when it leaves the stack, like the table', () => {
    expect(webhookSecret(template).resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('smoke secret', () => {
  it('is generated at deploy (nothing for a user to set), letters and digits, and kept like the webhook secret', () => {
    const secret = smokeSecret(template);
    expect(secret.properties.SecretString).toBeUndefined();
    expect(secret.properties.GenerateSecretString).toEqual({ PasswordLength: 48, ExcludePunctuation: true });
    expect(secret.resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is an output of its own, for smoke runners to read instead of the webhook secret', () => {
    template.hasOutput('SmokeSecretArn', { Value: { Ref: smokeSecret(template).id } });
  });
});

describe('outputs', () => {
  it('WebhookUrl is the API endpoint plus the webhook path', () => {
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    const output = template.findOutputs('WebhookUrl').WebhookUrl as { Value: { 'Fn::Join': [string, unknown[]] } };
    const parts = output.Value['Fn::Join'][1];
    expect(parts[0]).toBe('https://');
    expect(parts[1]).toEqual({ Ref: api.id });
    expect(parts.at(-1)).toBe(DEFAULT_INGEST_CONFIG.webhookPath);
  });

  it('TableName, WebhookSecretArn and IngestFunctionName point at the ingest resources', () => {
    template.hasOutput('TableName', { Value: { Ref: eventsTable(template).id } });
    template.hasOutput('WebhookSecretArn', { Value: { Ref: webhookSecret(template).id } });
    template.hasOutput('IngestFunctionName', { Value: { Ref: ingestFunction(template).id } });
  });

  it('AlarmNames lists every alarm of the stack, for npm run smoke', () => {
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    const output = template.findOutputs('AlarmNames').AlarmNames as { Value: { 'Fn::Join': [string, unknown[]] } };
    const [separator, names] = output.Value['Fn::Join'];
    expect(separator).toBe(',');
    expect(alarms.length).toBeGreaterThan(0);
    expect(names).toEqual(expect.arrayContaining(alarms.map((id) => ({ Ref: id }))));
    expect(names).toHaveLength(alarms.length);
  });

  it('none is exported (no cross-stack coupling)', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['IngestFunctionName', 'TableName', 'WebhookSecretArn', 'WebhookUrl']),
    );
    expect(template.findOutputs('*', { Export: Match.anyValue() })).toEqual({});
  });
});

// cdk-nag (AwsSolutions and Serverless, the whole stack, the reviewed suppressions): nag.test.ts.

describe('Voucherify API secret (for `voucherify-events reconcile`)', () => {
  it('is created empty ("{}"), linked from an output, and no function is granted it', () => {
    const outputs = template.findOutputs('VoucherifyApiSecretArn');
    const id = referencedId(Object.values(outputs)[0]?.Value);
    const secret = resourceById(template, id, 'AWS::SecretsManager::Secret');
    expect(secret.properties.SecretString).toBe('{}');
    expect(id).not.toBe(webhookSecret(template).id);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).not.toContain(`"${id}"`);
  });
});
