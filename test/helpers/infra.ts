import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { WebhooksSettings } from '../../lib/config';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';

export const STACK_NAME = 'VoucherifyWebhooks';

/** Tells the CDK to bundle no stack: the template is the same, minus ~0.5 s of esbuild per synth. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/**
 * One output folder per test file, removed when the file is done: without an `outdir`, every synth leaves a new
 * `cdk.out*` folder in the system temp folder. (Hooks registered here run for the file that imports this module.)
 */
const OUTDIR = mkdtempSync(path.join(tmpdir(), 'voucherify-infra-'));
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

/** An app like the CLI's, writing to this file's output folder; bundling is skipped unless `bundle` is set. */
export function newApp(context: Record<string, unknown> = {}, { bundle = false } = {}): App {
  return new App({ outdir: OUTDIR, context: { ...(bundle ? {} : SKIP_BUNDLING), ...context } });
}

/** The stack as `bin/app.ts` builds it, from the given CDK context (values as `-c` would pass them, or typed). */
export function stackFromContext(
  context: Record<string, unknown> = {},
  props: StackProps = {},
): VoucherifyWebhooksStack {
  return VoucherifyWebhooksStack.fromContext(newApp(context), STACK_NAME, props);
}

/** The stack built from props directly, as another CDK app would embed it. */
export function stackFromProps(settings: WebhooksSettings = {}): VoucherifyWebhooksStack {
  return new VoucherifyWebhooksStack(newApp(), STACK_NAME, settings);
}

export function templateFromContext(context: Record<string, unknown> = {}): Template {
  return Template.fromStack(stackFromContext(context));
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON; tests read them as such.
type Json = any;

/** One resource of a template: its logical id (found, never written down), its properties and the whole entry. */
export interface Found {
  readonly id: string;
  readonly properties: Json;
  readonly resource: Json;
}

/** The resource a logical id names, checking its type. */
export function resourceById(template: Template, id: string, type: string): Found {
  const resource = template.toJSON().Resources?.[id];
  if (resource?.Type !== type) throw new Error(`${id} is ${resource?.Type ?? 'missing'}, expected ${type}`);
  return { id, properties: resource.Properties ?? {}, resource };
}

/** The one resource of `type`, failing the test if there is not exactly one. */
export function onlyResource(template: Template, type: string): Found {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: resource.Properties ?? {}, resource };
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, attr] }` points to. */
export function referencedId(value: unknown): string {
  const ref = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = ref?.Ref ?? ref?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a Ref or Fn::GetAtt: ${JSON.stringify(value)}`);
  return id;
}

/**
 * The ingest function: the Lambda function the HTTP API's integration calls. Found through the API rather than as
 * "the only function", so these tests keep working when the alerts function joins the stack.
 */
export function ingestFunction(template: Template): Found {
  const integration = onlyResource(template, 'AWS::ApiGatewayV2::Integration');
  return resourceById(template, referencedId(integration.properties.IntegrationUri), 'AWS::Lambda::Function');
}

/**
 * The alerts function: the one whose environment names the topic and the burst limit, and that has a stream event
 * source mapping. Found, never named by logical id.
 */
export function alertsFunction(template: Template): Found {
  const mapped = new Set(
    Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((m) =>
      JSON.stringify(m.Properties?.FunctionName),
    ),
  );
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
    ([id, resource]) =>
      resource.Properties?.Environment?.Variables?.TOPIC_ARN !== undefined && mapped.has(JSON.stringify({ Ref: id })),
  );
  if (found.length !== 1) throw new Error(`expected one function with TOPIC_ARN and a stream, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: resource.Properties, resource };
}

/** The scheduled case function: the one with TOPIC_ARN and CASE_REMINDER_HOURS but no stream mapping. */
export function sweepFunction(template: Template): Found {
  const alerts = alertsFunction(template).id;
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
    ([id, resource]) =>
      id !== alerts &&
      resource.Properties?.Environment?.Variables?.TOPIC_ARN !== undefined &&
      resource.Properties?.Environment?.Variables?.CASE_REMINDER_HOURS !== undefined,
  );
  if (found.length !== 1) throw new Error(`expected one scheduled case function, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: resource.Properties, resource };
}

/** The ingest function's environment variables. */
export function ingestEnvironment(template: Template): Record<string, Json> {
  return ingestFunction(template).properties.Environment.Variables;
}

/** The events table: the one the ingest function's TABLE_NAME names. */
export function eventsTable(template: Template): Found {
  return resourceById(template, referencedId(ingestEnvironment(template).TABLE_NAME), 'AWS::DynamoDB::Table');
}

/** The webhook secret: the one the ingest function's WEBHOOK_SECRET_ARN names. */
export function webhookSecret(template: Template): Found {
  return resourceById(
    template,
    referencedId(ingestEnvironment(template).WEBHOOK_SECRET_ARN),
    'AWS::SecretsManager::Secret',
  );
}

/** The smoke secret: the one the ingest function's SMOKE_SECRET_ARN names. */
export function smokeSecret(template: Template): Found {
  return resourceById(
    template,
    referencedId(ingestEnvironment(template).SMOKE_SECRET_ARN),
    'AWS::SecretsManager::Secret',
  );
}

/** The log group a function's LoggingConfig points to. */
export function functionLogGroup(template: Template, fn: Found): Found {
  return resourceById(template, referencedId(fn.properties.LoggingConfig.LogGroup), 'AWS::Logs::LogGroup');
}
