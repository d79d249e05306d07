/**
 * A synthesized template's policies as AWS would hold them after the deploy: every intrinsic function (Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, pseudo parameters) resolved to the concrete value CloudFormation would give it in
 * the documented example account, so a policy simulator can evaluate real ARNs. Names CloudFormation would generate
 * are derived from the logical id; only the resource types this stack uses are known, and anything else throws, so a
 * new resource type is noticed instead of resolved wrongly.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const PARTITION = 'aws';
export const STACK_NAME = 'VoucherifyWebhooks';
/** An account that is not ours (AWS's documented second example account). */
export const OTHER_ACCOUNT = '210987654321';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are free-form JSON.
type Json = any;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Json;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: PolicyStatement[];
}

/** One policy of the template: where it sits, what kind it is, and the resource it guards (resource policies). */
export interface TemplatePolicy {
  readonly kind: 'identity' | 'key' | 'topic' | 'queue' | 'bucket' | 'lambda-permission';
  readonly source: string;
  /** Identity policies: the logical ids of the roles they are attached to. */
  readonly roles: readonly string[];
  /** Resource policies: the ARN of the resource they guard. */
  readonly resourceArn?: string;
  readonly document: PolicyDocument;
}

/** A stable, made-up physical id for a logical id (API ids, key ids), so the same template always gives the same ARNs. */
function fakeId(logicalId: string, length: number): string {
  let hash = 0;
  for (const char of logicalId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(36).padStart(length, '0').slice(0, length);
}

export class TemplateResolver {
  readonly resources: Record<string, { Type: string; Properties?: Json }>;

  constructor(template: Json) {
    this.resources = template.Resources ?? {};
  }

  private resource(id: string): { Type: string; Properties: Json } {
    const resource = this.resources[id];
    if (!resource) throw new Error(`no resource ${id} in the template`);
    return { Type: resource.Type, Properties: resource.Properties ?? {} };
  }

  private physicalName(id: string, property: string): string {
    const named = this.resource(id).Properties[property];
    return named === undefined ? `${STACK_NAME}-${id}` : String(this.resolve(named));
  }

  /** What `{ Ref: id }` gives after the deploy. */
  ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::Partition': PARTITION,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': STACK_NAME,
    };
    if (pseudo[id] !== undefined) return pseudo[id];
    const { Type } = this.resource(id);
    switch (Type) {
      case 'AWS::DynamoDB::Table':
        return this.physicalName(id, 'TableName');
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${this.physicalName(id, 'TopicName')}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${this.physicalName(id, 'QueueName')}`;
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends a dash and six random characters to the name.
        return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${this.physicalName(id, 'Name')}-AbCdEf`;
      case 'AWS::KMS::Key':
        return `${fakeId(id, 8)}-1234-4abc-8def-${fakeId(`${id}#`, 12)}`;
      case 'AWS::Lambda::Function':
        return this.physicalName(id, 'FunctionName');
      case 'AWS::IAM::Role':
        return this.physicalName(id, 'RoleName');
      case 'AWS::Logs::LogGroup':
        return this.physicalName(id, 'LogGroupName');
      case 'AWS::ApiGatewayV2::Api':
        return fakeId(id, 10);
      case 'AWS::CloudWatch::Alarm':
        return this.physicalName(id, 'AlarmName');
      case 'AWS::Events::Rule':
        return this.physicalName(id, 'Name');
      case 'AWS::S3::Bucket':
        return this.physicalName(id, 'BucketName').toLowerCase();
      default:
        throw new Error(`Ref of ${Type} (${id}) is not known to this resolver`);
    }
  }

  /** What `{ Fn::GetAtt: [id, attribute] }` gives after the deploy. */
  getAtt(id: string, attribute: string): string {
    const { Type } = this.resource(id);
    const arn = (service: string, rest: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${rest}`;
    const key = `${Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${this.ref(id)}`);
      case 'AWS::DynamoDB::Table.StreamArn':
        return arn('dynamodb', `table/${this.ref(id)}/stream/2026-01-01T00:00:00.000`);
      case 'AWS::SNS::Topic.TopicArn':
        return this.ref(id);
      case 'AWS::SQS::Queue.Arn':
        return arn('sqs', this.physicalName(id, 'QueueName'));
      case 'AWS::SQS::Queue.QueueName':
        return this.physicalName(id, 'QueueName');
      case 'AWS::KMS::Key.Arn':
        return arn('kms', `key/${this.ref(id)}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${this.ref(id)}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:${PARTITION}:iam::${ACCOUNT}:role/${this.ref(id)}`;
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${this.ref(id)}:*`);
      case 'AWS::S3::Bucket.Arn':
        return `arn:${PARTITION}:s3:::${this.ref(id)}`;
      case 'AWS::CloudWatch::Alarm.Arn':
        return arn('cloudwatch', `alarm:${this.ref(id)}`);
      case 'AWS::Events::Rule.Arn':
        return arn('events', `rule/${this.ref(id)}`);
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return `https://${this.ref(id)}.execute-api.${REGION}.amazonaws.com`;
      default:
        throw new Error(`Fn::GetAtt ${key} (${id}) is not known to this resolver`);
    }
  }

  /** A template value with every intrinsic function replaced by what it evaluates to. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = value[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt': {
          const [id, attribute] = typeof arg === 'string' ? arg.split('.') : arg;
          return this.getAtt(id, attribute);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg;
          return (this.resolve(parts) as unknown[]).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = arg;
          return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
        }
        case 'Fn::Split': {
          const [separator, text] = arg;
          return String(this.resolve(text)).split(separator);
        }
        case 'Fn::Sub': {
          const [text, variables] = typeof arg === 'string' ? [arg, {}] : arg;
          return String(text).replace(/\$\{([^}!]+)\}/g, (_: string, name: string) => {
            if (variables[name] !== undefined) return String(this.resolve(variables[name]));
            const [id, attribute] = name.split('.');
            return attribute ? this.getAtt(id!, attribute) : this.ref(id!);
          });
        }
        default:
          if (fn.startsWith('Fn::')) throw new Error(`${fn} is not known to this resolver`);
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The ARN of a role, as a principal. */
  roleArn(roleId: string): string {
    return this.getAtt(roleId, 'Arn');
  }

  /**
   * Every policy in the template, resolved: identity policies (AWS::IAM::Policy and inline role policies), the KMS
   * key policies, topic and queue policies, and each Lambda permission as the statement Lambda adds to the
   * function's resource policy.
   */
  policies(): TemplatePolicy[] {
    const found: TemplatePolicy[] = [];
    for (const [id, { Type, Properties = {} }] of Object.entries(this.resources)) {
      const resolvedDocument = (document: Json): PolicyDocument => {
        const resolved = this.resolve(document);
        return { ...resolved, Statement: [resolved.Statement].flat() };
      };
      switch (Type) {
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy': {
          const roles = [Properties.Roles ?? []].flat().map((r: Json) => r.Ref as string);
          found.push({ kind: 'identity', source: id, roles, document: resolvedDocument(Properties.PolicyDocument) });
          break;
        }
        case 'AWS::IAM::Role':
          for (const policy of Properties.Policies ?? [])
            found.push({
              kind: 'identity',
              source: id,
              roles: [id],
              document: resolvedDocument(policy.PolicyDocument),
            });
          break;
        case 'AWS::KMS::Key':
          found.push({
            kind: 'key',
            source: id,
            roles: [],
            resourceArn: this.getAtt(id, 'Arn'),
            document: resolvedDocument(Properties.KeyPolicy),
          });
          break;
        case 'AWS::SNS::TopicPolicy':
          for (const topic of Properties.Topics)
            found.push({
              kind: 'topic',
              source: id,
              roles: [],
              resourceArn: this.resolve(topic),
              document: resolvedDocument(Properties.PolicyDocument),
            });
          break;
        case 'AWS::SQS::QueuePolicy':
          for (const queue of Properties.Queues) {
            const url = String(this.resolve(queue));
            const name = url.split('/').pop();
            found.push({
              kind: 'queue',
              source: id,
              roles: [],
              resourceArn: `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${name}`,
              document: resolvedDocument(Properties.PolicyDocument),
            });
          }
          break;
        case 'AWS::Lambda::Permission': {
          const p = this.resolve(Properties);
          // FunctionName may be the function's name or its ARN.
          const functionArn = String(p.FunctionName).startsWith('arn:')
            ? String(p.FunctionName)
            : `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${p.FunctionName}`;
          const principal = /^\d{12}$|^arn:/.test(p.Principal)
            ? { AWS: p.Principal }
            : p.Principal === '*'
              ? '*'
              : { Service: p.Principal };
          const condition: Record<string, Record<string, string>> = {};
          if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': p.SourceArn };
          if (p.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': p.SourceAccount };
          if (p.PrincipalOrgID)
            condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': p.PrincipalOrgID };
          found.push({
            kind: 'lambda-permission',
            source: id,
            roles: [],
            resourceArn: functionArn,
            document: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: id,
                  Effect: 'Allow',
                  Principal: principal,
                  Action: p.Action,
                  Resource: functionArn,
                  ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
                },
              ],
            },
          });
          break;
        }
        case 'AWS::S3::BucketPolicy': {
          // Guards the bucket and its objects; the simulator matches a resource policy by the request's resource, so
          // it is listed for both (the bodies bucket's is the TLS-only Deny).
          const bucketArn = `arn:${PARTITION}:s3:::${this.resolve(Properties.Bucket)}`;
          for (const resourceArn of [bucketArn, `${bucketArn}/*`])
            found.push({
              kind: 'bucket',
              source: id,
              roles: [],
              resourceArn,
              document: resolvedDocument(Properties.PolicyDocument),
            });
          break;
        }
        default:
          if (/Policy$|::Permission$/.test(Type)) throw new Error(`${Type} (${id}) holds a policy this resolver skips`);
      }
    }
    return found;
  }

  /** The identity policies attached to one role. */
  identityPolicies(roleId: string): TemplatePolicy[] {
    return this.policies().filter((p) => p.kind === 'identity' && p.roles.includes(roleId));
  }
}
