// Synthesizes the cratewatch stack for the infra tests: a small configuration written to a
// temporary folder, cdk.json's own context (feature flags), and bundling skipped unless a
// test asks for it. Also resolves the few intrinsics a state machine definition holds.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CratewatchStack, type TokenSecretSource } from '../../infra/cratewatch-stack.ts';
import { readStackConfig } from '../../infra/stack-config.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The test configuration: three repositories (one per remote kind), two recipients, a cron in Berlin time. */
export const TEST_CONFIG = `concurrency = 7

[alerts]
threshold = "high"
recipients = ["security@example.com", "oncall@example.com"]

[schedule]
expression = "cron(30 5 * * ? *)"
timezone = "Europe/Berlin"

[site]
allow_cidrs = ["203.0.113.0/24", "2001:db8::/32"]

[aws]
history_transition_days = 45
history_expiration_days = 400

[[repositories]]
name = "ripgrep"
github = "BurntSushi/ripgrep"

[[repositories]]
name = "inkscape-tools"
gitlab = "inkscape/tools"

[[repositories]]
name = "lonely-lock"
url = "https://example.com/Cargo.lock"
`;

/** The same, served from a custom domain. */
export const CUSTOM_DOMAIN_CONFIG = `${TEST_CONFIG.replace('[site]\n', '[site]\ndomain = "deps.example.com"\ncertificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"\n')}`;

/** A folder holding `cratewatch.toml` with `text`; returns the file's path. */
export function writeConfig(text: string, name = 'cratewatch.toml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cratewatch-infra-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

export interface SynthOptions {
  configText?: string;
  tokenSecret?: TokenSecretSource;
  /** Run esbuild and stage the site builder (slow); skipped by default. */
  bundling?: boolean;
  /** Add cdk-nag's AWS Solutions checks and CloudFormation's own template validation, as app.ts does. */
  validate?: boolean;
  outdir?: string;
  /** Adds constructs to the stack before synthesis (to prove a check notices them). */
  extend?: (stack: CratewatchStack) => void;
}

export interface Synthesized {
  app: App;
  stack: CratewatchStack;
  template: Template;
  assembly: CloudAssembly;
}

export function synthStack(options: SynthOptions = {}): Synthesized {
  const file = writeConfig(options.configText ?? TEST_CONFIG);
  const { config, text } = readStackConfig({ file });
  const app = new App({
    outdir: options.outdir ?? mkdtempSync(join(tmpdir(), 'cratewatch-cdk-out-')),
    builtinCloudFormationValidation: options.validate === true,
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': options.bundling ? ['**'] : [] },
  });
  const stack = new CratewatchStack(app, 'Cratewatch', { config, configText: text, tokenSecret: options.tokenSecret ?? { kind: 'none' } });
  options.extend?.(stack);
  if (options.validate) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return { app, stack, template: Template.fromStack(stack), assembly };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A fake but well-formed ARN for a template resource, by type. */
export function fakeArn(logicalId: string, type: string): string {
  if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:us-east-1:123456789012:function:${logicalId}`;
  if (type === 'AWS::SNS::Topic') return `arn:aws:sns:us-east-1:123456789012:${logicalId}`;
  return `arn:aws:cloudformation:us-east-1:123456789012:resource/${logicalId}`;
}

/** Resolves Fn::Join, Fn::GetAtt (…Arn) and Ref against the template, with fake ARNs. */
export function resolveIntrinsics(value: Json, resources: Record<string, { Type: string }>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, resources));
  if (value === null || typeof value !== 'object') return value;
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'] as [string, Json[]];
    return parts.map((p) => resolveIntrinsics(p, resources)).join(separator);
  }
  if ('Fn::GetAtt' in value) {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    if (attribute !== 'Arn') throw new Error(`no fake value for Fn::GetAtt ${id}.${attribute}`);
    return fakeArn(id, resources[id]!.Type);
  }
  if ('Ref' in value) {
    const ref = value.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return 'us-east-1';
    if (ref === 'AWS::AccountId') return '123456789012';
    return resources[ref] ? fakeArn(ref, resources[ref].Type) : ref;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveIntrinsics(v, resources)]));
}

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
}

/** The state machine's definition as deployed, Lambda ARNs made up from the functions' logical ids. */
export function stateMachineDefinition(template: Template): StateMachineDefinition {
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, Json> }> };
  const machines = Object.values(json.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const body = resolveIntrinsics(machines[0]!.Properties.DefinitionString!, json.Resources);
  return JSON.parse(body as string) as StateMachineDefinition;
}

/** The logical id of the one resource of `type` whose id starts with `prefix` (`FunctionsScanRepo`). */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix) && /^[0-9A-F]{8}$/.test(id.slice(prefix.length)));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}…, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
