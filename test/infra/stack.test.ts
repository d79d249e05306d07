/**
 * The default stack's template, as `cdk synth` builds it without any context: one synth (bundling skipped) shared by
 * every assertion in this file, which keeps the suite fast. Resources are found by type and by the references between
 * them, never by logical id.
 */
import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSecrets } from '../../functions/adapters/secrets';
import { EVENTS_TABLE } from '../../functions/adapters/table';
import { DEFAULT_INGEST_CONFIG } from '../../functions/core/ingest';
import {
  INGEST_TIMEOUT,
  VoucherifyWebhooksStack,
  WEBHOOK_SECRET_PLACEHOLDER,
} from '../../lib/voucherify-webhooks-stack';
import { ingestEnvironment, newApp, onlyResource, referencedId, STACK_NAME, templateFromContext } from './helpers';

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
  test('runs Node 24 on ARM with 512 MB and an 8 s timeout, below the 10 s Voucherify waits', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 8,
      Handler: 'index.handler',
    });
    expect(INGEST_TIMEOUT.toSeconds()).toBeLessThan(10);
  });

  test('is the only function in the stack (no custom-resource helpers crept in)', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('logs to its own log group, kept 30 days', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const logGroupId = referencedId((fn.properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
    const logGroup = template.toJSON().Resources[logGroupId];
    expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  test('has tracing off (no TracingConfig, so no xray:* on "*")', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
  });

  test('gets exactly the settings the handler reads, plus source maps', () => {
    const env = ingestEnvironment(template);
    expect(Object.keys(env).sort()).toEqual(
      [
        'LOG_LEVEL',
        'MAX_BODY_BYTES',
        'NODE_OPTIONS',
        'RETENTION_DAYS',
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

  test('is pointed at the table and the secret by reference, never given a secret value', () => {
    const env = ingestEnvironment(template);
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    expect(env.TABLE_NAME).toEqual({ Ref: table.id });
    expect(env.WEBHOOK_SECRET_ARN).toEqual({ Ref: secret.id });
    expect(env).not.toHaveProperty('VOUCHERIFY_WEBHOOK_SECRET');
    const values = JSON.stringify(env);
    expect(values).not.toContain(JSON.stringify(WEBHOOK_SECRET_PLACEHOLDER).slice(1, -1));
    expect(values).not.toMatch(/SecretString|secretsmanager:/);
  });

  test('does not set AWS_NODEJS_CONNECTION_REUSE_ENABLED (an SDK v2 setting)', () => {
    expect(ingestEnvironment(template)).not.toHaveProperty('AWS_NODEJS_CONNECTION_REUSE_ENABLED');
  });
});

describe('HTTP API', () => {
  test('is an HTTP API with exactly one route, ANY /webhooks/voucherify (other paths get API Gateway 404)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: `ANY ${DEFAULT_INGEST_CONFIG.webhookPath}`,
      AuthorizationType: 'NONE',
    });
  });

  test('sends the route to the ingest function as a payload 2.0 proxy integration', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const integration = onlyResource(template, 'AWS::ApiGatewayV2::Integration');
    expect(integration.properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [fn.id, 'Arn'] },
    });
    const route = onlyResource(template, 'AWS::ApiGatewayV2::Route');
    expect(JSON.stringify(route.properties.Target)).toContain(integration.id);
  });

  test('lets only this API, on this path, invoke the function', () => {
    const permission = onlyResource(template, 'AWS::Lambda::Permission');
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    expect(permission.properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
    });
    const sourceArn = JSON.stringify(permission.properties.SourceArn);
    expect(sourceArn).toContain(`{"Ref":"${api.id}"}`);
    expect(sourceArn).toContain(`/*/*${DEFAULT_INGEST_CONFIG.webhookPath}`);
  });

  test('serves the $default stage, auto-deployed, throttled at 50 rps with a burst of 100', () => {
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

  test('writes JSON access logs with the fields operators query to their own log group, kept 30 days', () => {
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
    const logGroupId = referencedId(settings.DestinationArn);
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(referencedId((fn.properties.LoggingConfig as { LogGroup: unknown }).LogGroup)).not.toBe(logGroupId);
  });
});

describe('events table', () => {
  test('is keyed by the string partition key the adapter writes, with no sort key and no indexes yet', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: EVENTS_TABLE.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: EVENTS_TABLE.partitionKey, AttributeType: 'S' }],
      GlobalSecondaryIndexes: Match.absent(),
    });
  });

  test('is on-demand, with point-in-time recovery and encryption under the AWS managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key ARN is the AWS managed key (aws/dynamodb); absent would be the AWS owned key.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
  });

  test('expires items on the TTL attribute the adapter writes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: EVENTS_TABLE.ttlAttribute, Enabled: true },
    });
  });

  test('streams new images for the alerts consumer', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });

  test('is kept, and protected from deletion, by default', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe('ingest permissions', () => {
  let statements: Statement[];
  beforeAll(() => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const roleId = referencedId(fn.properties.Role);
    // Every policy attached to the function's role, found through the role, not by a logical id.
    statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  });

  test('the role has no managed policies (AWSLambdaBasicExecutionRole would allow logs:* on "*")', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const role = template.toJSON().Resources[referencedId(fn.properties.Role)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  test('may only PutItem, and only on the events table itself', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const dynamo = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': [table.id, 'Arn'] } },
    ]);
  });

  test('may only read the value of the webhook secret', () => {
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    const secrets = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
    expect(secrets).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secret.id } },
    ]);
  });

  test('may write logs only to its own log group', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    const logGroupId = referencedId((fn.properties.LoggingConfig as { LogGroup: unknown }).LogGroup);
    const logs = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
    ]);
  });

  test('has nothing else: three statements, no wildcard action or resource, no Deny tricks', () => {
    expect(statements).toHaveLength(3);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(asList(statement.Action).every((action) => !action.includes('*'))).toBe(true);
      expect(JSON.stringify(statement.Resource)).not.toContain('"*"');
    }
  });

  test('no policy anywhere in the stack grants a "*" resource', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(all.length).toBeGreaterThan(0);
    for (const statement of all) expect(asList(statement.Resource)).not.toContain('*');
  });
});

describe('webhook secret', () => {
  test('is created with a placeholder the receiver reads as "not configured" (so it answers 503)', () => {
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    const value = secret.properties.SecretString;
    expect(typeof value).toBe('string');
    expect(parseSecrets(value as string)).toEqual([]);
    expect(secret.properties.GenerateSecretString).toBeUndefined();
  });

  test('is kept when it leaves the stack, like the table', () => {
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });
});

describe('outputs', () => {
  test('WebhookUrl is the API endpoint plus the webhook path', () => {
    const api = onlyResource(template, 'AWS::ApiGatewayV2::Api');
    const output = template.findOutputs('WebhookUrl').WebhookUrl as { Value: { 'Fn::Join': [string, unknown[]] } };
    const parts = output.Value['Fn::Join'][1];
    expect(parts[0]).toBe('https://');
    expect(parts[1]).toEqual({ Ref: api.id });
    expect(parts.at(-1)).toBe(DEFAULT_INGEST_CONFIG.webhookPath);
  });

  test('TableName, WebhookSecretArn and IngestFunctionName point at the stack resources', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    template.hasOutput('TableName', { Value: { Ref: table.id } });
    template.hasOutput('WebhookSecretArn', { Value: { Ref: secret.id } });
    template.hasOutput('IngestFunctionName', { Value: { Ref: fn.id } });
  });

  test('are exactly these four, none exported (no cross-stack coupling)', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      ['IngestFunctionName', 'TableName', 'WebhookSecretArn', 'WebhookUrl'].sort(),
    );
    expect(template.findOutputs('*', { Export: Match.anyValue() })).toEqual({});
  });
});

interface Suppression {
  id: string;
  reason: string;
}

describe('cdk-nag AwsSolutions', () => {
  let stack: VoucherifyWebhooksStack;
  beforeAll(() => {
    stack = VoucherifyWebhooksStack.fromContext(newApp(), STACK_NAME);
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    Template.fromStack(stack); // runs the aspects
  });

  test('reports no unsuppressed finding', () => {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((m) => `${m.id}: ${String(m.entry.data).split(':')[0]}`);
    expect(findings).toEqual([]);
  });

  test('suppresses exactly the two accepted findings, each with a written reason', () => {
    const suppressions = Object.values(
      Template.fromStack(stack).toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>,
    ).flatMap(
      (resource) => (resource.Metadata?.cdk_nag as { rules_to_suppress?: Suppression[] })?.rules_to_suppress ?? [],
    );
    expect(suppressions.map((s) => s.id).sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-SMG4']);
    for (const suppression of suppressions) expect(suppression.reason.length).toBeGreaterThan(80);
  });
});
