/**
 * The README's policy for running `npm run smoke` ("IAM to run the smoke"), simulated with AWS's reference data
 * (@cloud-copilot/iam-simulate): every call the smoke makes is allowed, with the resource and the condition keys the
 * request carries; what it must never do is denied. The calls are read from cli/smoke/ (every `new XCommand(` and
 * the client it comes from), so a new call without a grant in the README fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  README_ACCOUNT as ACCOUNT,
  type OperatorCall,
  operatorVerdict,
  README_REGION as REGION,
  readmePolicy,
} from '../helpers/iam/readme-policy';
import { smokeSecret, templateFromContext, webhookSecret } from '../helpers/infra';

const ROOT = join(__dirname, '..', '..');
const POLICY = readmePolicy('#### IAM to run the smoke');

const SERVICE_OF_CLIENT: Record<string, string> = {
  'client-cloudformation': 'cloudformation',
  'client-cloudwatch': 'cloudwatch',
  'client-dynamodb': 'dynamodb',
  'client-secrets-manager': 'secretsmanager',
  'client-sns': 'sns',
  'client-sqs': 'sqs',
};

/** `service:Action` for every AWS command the smoke's code constructs. */
function actionsInSmokeCode(): string[] {
  const dir = join(ROOT, 'cli', 'smoke');
  const actions = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    const serviceOf = new Map<string, string>();
    for (const [, names, client] of source.matchAll(/import \{([^}]*)\} from '@aws-sdk\/([a-z-]+)'/g)) {
      for (const name of (names as string).split(','))
        serviceOf.set(name.replace(/^\s*type\s+/, '').trim(), client as string);
    }
    for (const [, command] of source.matchAll(/new (\w+)Command\(/g)) {
      const client = serviceOf.get(`${command}Command`);
      if (!client) throw new Error(`${file}: ${command}Command is not imported from an @aws-sdk client`);
      const service = SERVICE_OF_CLIENT[client];
      if (!service) throw new Error(`${file}: no IAM service known for @aws-sdk/${client}`);
      actions.add(`${service}:${command}`);
    }
  }
  return [...actions].sort();
}

/** The deployed names, as CloudFormation generates them from the synthesized logical ids. */
function deployedArns() {
  const template = templateFromContext();
  const ids = (type: string) => Object.keys(template.findResources(type));
  const one = (type: string) => ids(type)[0] as string;
  return {
    stack: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/VoucherifyWebhooks/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
    // The smoke's own secret, and the webhook secret it must not read.
    secret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${smokeSecret(template).id}-Ab1Cd2Ef3Gh4-XyZ123`,
    webhookSecret: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${webhookSecret(template).id}-Zy9Xw8-AbC123`,
    table: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/VoucherifyWebhooks-${one('AWS::DynamoDB::Table')}-1QW2E3R4T5Y6`,
    topic: `arn:aws:sns:${REGION}:${ACCOUNT}:VoucherifyWebhooks-${one('AWS::SNS::Topic')}-Zx9Cv8Bn7M6`,
    queue: `arn:aws:sqs:${REGION}:${ACCOUNT}:voucherify-smoke-mx66n61e961ea2`,
    alarms: ids('AWS::CloudWatch::Alarm').map(
      (id) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:VoucherifyWebhooks-${id}-A1B2C3D4E5F6`,
    ),
  };
}

type Call = OperatorCall;

const verdict = (call: Call) => operatorVerdict(POLICY, call, 'smoke-runner');

const arns = deployedArns();
const SMOKE_KEY = 'smoke_mx66n61e961ea2_rollback_failed';

/** Every call the smoke makes, as it makes it (cli/smoke/steps.ts, resolve.ts). */
const SMOKE_CALLS: Call[] = [
  { action: 'cloudformation:DescribeStacks', resource: arns.stack },
  { action: 'secretsmanager:GetSecretValue', resource: arns.secret },
  { action: 'dynamodb:GetItem', resource: arns.table, context: { 'dynamodb:LeadingKeys': [SMOKE_KEY] } },
  {
    action: 'dynamodb:DeleteItem',
    resource: arns.table,
    context: { 'dynamodb:LeadingKeys': [SMOKE_KEY], 'dynamodb:ReturnValues': 'ALL_OLD' },
  },
  ...[
    'CreateQueue',
    'GetQueueAttributes',
    'SetQueueAttributes',
    'ReceiveMessage',
    'DeleteMessageBatch',
    'DeleteQueue',
  ].map((action) => ({
    action: `sqs:${action === 'DeleteMessageBatch' ? 'DeleteMessage' : action}`,
    resource: arns.queue,
  })),
  {
    action: 'sns:Subscribe',
    resource: arns.topic,
    context: { 'sns:Protocol': 'sqs', 'sns:Endpoint': arns.queue },
  },
  { action: 'sns:ConfirmSubscription', resource: arns.topic },
  { action: 'sns:Unsubscribe', resource: arns.topic },
  ...arns.alarms.map((alarm) => ({ action: 'cloudwatch:DescribeAlarms', resource: alarm })),
];

it('the smoke code makes no call that the list below does not simulate', () => {
  // DeleteMessageBatch is authorized as sqs:DeleteMessage (AWS: batch actions use the single action's permission).
  const simulated = new Set(SMOKE_CALLS.map((c) => c.action));
  const inCode = actionsInSmokeCode().map((a) => (a === 'sqs:DeleteMessageBatch' ? 'sqs:DeleteMessage' : a));

  expect(inCode.filter((a) => !simulated.has(a))).toEqual([]);
  expect([...simulated].filter((a) => !inCode.includes(a))).toEqual([]);
  expect(arns.alarms).toHaveLength(11); // the silence alarm (silenceAlarmHours) and the oldest-open-case alarm included
});

it.each(SMOKE_CALLS.map((call) => [call.action, call.resource.split(':').slice(5).join(':'), call] as const))(
  'allows %s on %s',
  async (_action, _resource, call) => {
    expect(await verdict(call)).toBe('Allowed');
  },
);

const FORBIDDEN: Call[] = [
  {
    action: 'dynamodb:GetItem',
    resource: arns.table,
    context: { 'dynamodb:LeadingKeys': ['evrrf_0e3ac8bf0a0531c400'] },
  },
  { action: 'dynamodb:DeleteItem', resource: arns.table, context: { 'dynamodb:LeadingKeys': ['evt_real_event'] } },
  { action: 'dynamodb:PutItem', resource: arns.table, context: { 'dynamodb:LeadingKeys': [SMOKE_KEY] } },
  { action: 'dynamodb:Scan', resource: arns.table },
  { action: 'dynamodb:Query', resource: arns.table, context: { 'dynamodb:LeadingKeys': [SMOKE_KEY] } },
  { action: 'sns:Publish', resource: arns.topic },
  {
    action: 'sqs:DeleteQueue',
    resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:VoucherifyWebhooks-AlertsDeadLetterQueue-1A2B`,
  },
  {
    action: 'sqs:ReceiveMessage',
    resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:VoucherifyWebhooks-AlertsDeadLetterQueue-1A2B`,
  },
  {
    action: 'secretsmanager:GetSecretValue',
    resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`,
  },
  { action: 'secretsmanager:PutSecretValue', resource: arns.secret },
  // The webhook secret would let the runner sign a real-looking event: the smoke never needs it.
  { action: 'secretsmanager:GetSecretValue', resource: arns.webhookSecret },
  { action: 'cloudwatch:DescribeAlarms', resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:OtherApp-Errors` },
  { action: 'cloudformation:DeleteStack', resource: arns.stack },
];

it.each(FORBIDDEN.map((call) => [call.action, call.resource.split(':').slice(5).join(':'), call] as const))(
  'denies %s on %s',
  async (_action, _resource, call) => {
    expect(await verdict(call)).toBe('ImplicitlyDenied');
  },
);
