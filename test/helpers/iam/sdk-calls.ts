/**
 * The AWS calls a handler really makes, recorded at the one place every SDK v3 client sends through
 * (`Client.prototype.send` of `@smithy/core/client`), and turned into the IAM requests AWS would authorize: the
 * action, the resource ARN in the deployed stack, and the condition keys the request carries.
 */
import type { SimulatedRequest } from './simulate';

export interface RecordedCall {
  /** Which function's module copy made the call. */
  readonly fn: string;
  /** The SDK's service id ("DynamoDB", "SNS", "Secrets Manager"). */
  readonly service: string;
  /** The operation, e.g. "GetItem". */
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

const RECORDING = Symbol.for('iam-simulation.recording');

/**
 * Records every call sent by the SDK clients of the module registry this is called in, tagged `fn`. Call it inside
 * `jest.isolateModules`, before the handler is required: the handler's SDK is then the copy patched here, and the
 * test's own clients (outside that registry) are not recorded.
 */
export function recordSdkCalls(into: RecordedCall[], fn: string): void {
  // biome-ignore lint/suspicious/noExplicitAny: the smithy Client's send is generic over every command type.
  const { Client } = require('@smithy/core/client') as { Client: { prototype: any } };
  const prototype = Client.prototype;
  if (prototype[RECORDING]) throw new Error('this module registry already records SDK calls');
  const send = prototype.send;
  prototype[RECORDING] = fn;
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  prototype.send = function recordedSend(this: any, command: any, ...rest: unknown[]) {
    into.push({
      fn,
      service: String(this.config?.serviceId ?? 'unknown'),
      operation: String(command?.constructor?.name ?? '').replace(/Command$/, ''),
      input: structuredClone(command?.input ?? {}),
    });
    return send.call(this, command, ...rest);
  };
}

/** How the local run's resources map to the deployed stack's: local name or ARN -> deployed ARN. */
export interface ResourceMap {
  readonly tables: Record<string, string>;
  readonly topics: Record<string, string>;
  readonly secrets: Record<string, string>;
  /** KMS key of each deployed topic ARN (SNS encrypts with it, with the publisher's rights). */
  readonly topicKeys: Record<string, string>;
}

/** Attribute names an expression uses: `#name` placeholders resolved, bare names as written. */
function expressionNames(input: Record<string, unknown>, ...fields: string[]): string[] {
  const placeholders = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const reserved =
    /^(SET|REMOVE|ADD|DELETE|AND|OR|NOT|BETWEEN|IN|attribute_exists|attribute_not_exists|attribute_type|begins_with|contains|size|if_not_exists|list_append)$/i;
  const names = new Set<string>();
  for (const field of fields) {
    const text = input[field];
    if (typeof text !== 'string') continue;
    for (const token of text.match(/[#:]?[A-Za-z_][\w]*/g) ?? []) {
      if (token.startsWith(':')) continue; // a value placeholder, not an attribute
      if (token.startsWith('#')) names.add(placeholders[token] ?? token);
      else if (!reserved.test(token)) names.add(token);
    }
  }
  return [...names];
}

function mapped(map: Record<string, string>, local: unknown, what: string, call: RecordedCall): string {
  const arn = map[String(local)];
  if (!arn)
    throw new Error(
      `${call.fn} ${call.operation} names ${what} ${String(local)}, which the function was not configured with`,
    );
  return arn;
}

/**
 * The IAM requests one recorded call needs, with the condition keys its input carries. DynamoDB's
 * `dynamodb:Attributes` is every attribute name the request touches: the key, the item's attributes (PutItem), and
 * the names its projection, update and condition expressions use. Publishing to a KMS-encrypted topic adds the two
 * KMS requests SNS makes with the publisher's rights. A service or operation not known here throws, so a new kind of
 * call is noticed rather than passed.
 */
export function iamRequestsFor(call: RecordedCall, role: string, map: ResourceMap): SimulatedRequest[] {
  const prefix = call.service.toLowerCase().replace(/\s+/g, '');
  const action = `${prefix}:${call.operation}`;
  const caller = { role };
  const input = call.input;
  switch (prefix) {
    case 'dynamodb': {
      if (
        call.operation === 'BatchWriteItem' ||
        call.operation === 'BatchGetItem' ||
        call.operation.startsWith('Transact')
      )
        return Object.entries(
          (input.RequestItems ?? {}) as Record<string, { Keys?: Record<string, { S?: string }>[] }>,
        ).map(([table, request]) => {
          const leading = (request.Keys ?? []).map((key) => key.pk?.S).filter((v): v is string => v !== undefined);
          return {
            caller,
            action,
            resource: mapped(map.tables, table, 'table', call),
            ...(leading.length > 0 ? { context: { 'dynamodb:LeadingKeys': leading } } : {}),
          };
        });
      const table = mapped(map.tables, input.TableName, 'table', call);
      const resource = input.IndexName ? `${table}/index/${String(input.IndexName)}` : table;
      const attributes = new Set<string>([
        ...Object.keys((input.Key ?? {}) as object),
        ...Object.keys((input.Item ?? {}) as object),
        ...((input.AttributesToGet ?? []) as string[]),
        ...expressionNames(
          input,
          'ProjectionExpression',
          'UpdateExpression',
          'ConditionExpression',
          'KeyConditionExpression',
          'FilterExpression',
        ),
      ]);
      const context: Record<string, string | string[]> = {};
      if (attributes.size > 0) context['dynamodb:Attributes'] = [...attributes].sort();
      // The partition key a single-item call names, so a leading-key condition is judged (not passed vacuously).
      const key = ((input.Key ?? input.Item) as Record<string, { S?: string }> | undefined)?.pk?.S;
      if (key !== undefined) context['dynamodb:LeadingKeys'] = [key];
      if (typeof input.Select === 'string') context['dynamodb:Select'] = input.Select;
      if (typeof input.ReturnValues === 'string') context['dynamodb:ReturnValues'] = input.ReturnValues;
      // dynamodb:LeadingKeys: the partition key value the request names (the item's key, or a Query's key condition).
      const keyValue = ((input.Key ?? input.Item) as Record<string, { S?: string }> | undefined)?.pk?.S;
      if (keyValue !== undefined) context['dynamodb:LeadingKeys'] = [keyValue];
      if (call.operation === 'Query' && typeof input.KeyConditionExpression === 'string') {
        const placeholder = /^\s*[#\w]+\s*=\s*(:\w+)/.exec(input.KeyConditionExpression)?.[1];
        const value = placeholder
          ? (input.ExpressionAttributeValues as Record<string, { S?: string }> | undefined)?.[placeholder]?.S
          : undefined;
        if (value !== undefined) context['dynamodb:LeadingKeys'] = [value];
      }
      if (typeof input.ReturnConsumedCapacity === 'string')
        context['dynamodb:ReturnConsumedCapacity'] = input.ReturnConsumedCapacity;
      return [{ caller, action, resource, context }];
    }
    case 'sns': {
      const topic = mapped(map.topics, input.TopicArn ?? input.TargetArn, 'topic', call);
      const requests: SimulatedRequest[] = [{ caller, action, resource: topic }];
      const key = map.topicKeys[topic];
      if (key && call.operation === 'Publish') {
        const viaSns = { 'kms:ViaService': 'sns.us-east-1.amazonaws.com', 'kms:CallerAccount': '123456789012' };
        requests.push({ caller, action: 'kms:GenerateDataKey', resource: key, context: viaSns });
        requests.push({ caller, action: 'kms:Decrypt', resource: key, context: viaSns });
      }
      return requests;
    }
    case 'secretsmanager':
      return [{ caller, action, resource: mapped(map.secrets, input.SecretId, 'secret', call) }];
    default:
      throw new Error(`${call.fn} calls ${call.service} ${call.operation}, a service this translation does not know`);
  }
}
