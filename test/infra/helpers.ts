import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { WebhooksSettings } from '../../lib/config';
import { VoucherifyWebhooksStack } from '../../lib/voucherify-webhooks-stack';

export const STACK_NAME = 'VoucherifyWebhooks';

/** Tells NodejsFunction to bundle no stack: the template is the same, minus ~0.5 s of esbuild per synth. */
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

/** The one resource of `type`, failing the test if there is not exactly one. */
export function onlyResource(template: Template, type: string): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, properties: (resource as { Properties?: Record<string, unknown> }).Properties ?? {} };
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, attr] }` points to. */
export function referencedId(value: unknown): string {
  const ref = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = ref.Ref ?? ref['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a Ref or Fn::GetAtt: ${JSON.stringify(value)}`);
  return id;
}

/** The ingest function's environment variables. */
export function ingestEnvironment(template: Template): Record<string, unknown> {
  const fn = onlyResource(template, 'AWS::Lambda::Function');
  return (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;
}
