// cdk-nag v3's AWS Solutions rules and CloudFormation's template validation, run as app.ts
// runs them: every finding is fixed or acknowledged with a written reason.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { CUSTOM_DOMAIN_CONFIG, synthStack } from './stack-fixture.ts';

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs?: { constructPath: string }[] }[] }[];
}

/** Every violation left in the cloud assembly's validation report, as `rule at construct path`. */
function violations(outdir: string): string[] {
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  return report.pluginReports.flatMap((p) => p.violations.flatMap((v) => (v.violatingConstructs ?? [{ constructPath: '?' }]).map((c) => `${v.ruleName} at ${c.constructPath}`)));
}

/** Every acknowledgement recorded in the tree: rule id and reason. */
function acknowledgements(root: IConstruct): { id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each([
    ['the test configuration with a created tokens secret', { tokenSecret: { kind: 'create' } as const }],
    ['a custom domain and an existing tokens secret', { configText: CUSTOM_DOMAIN_CONFIG, tokenSecret: { kind: 'existing', name: 'cratewatch/tokens' } as const }],
  ])('leave no unacknowledged finding for %s', (_, options) => {
    const outdir = mkdtempSync(join(tmpdir(), 'cratewatch-nag-'));
    const { app } = synthStack({ ...options, validate: true, outdir });
    expect(violations(outdir)).toEqual([]);
    expect(acknowledgements(app).length).toBeGreaterThan(10);
  });

  it('gives every acknowledgement a reason of at least one sentence', () => {
    const { app } = synthStack({ tokenSecret: { kind: 'create' }, validate: true });
    const short = acknowledgements(app).filter((a) => a.reason.length < 40 || !a.reason.endsWith('.'));
    expect(short).toEqual([]);
  });

  it('fails synth and names the rule when a construct breaks one (the check is live)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cratewatch-nag-'));
    expect(() =>
      synthStack({
        validate: true,
        outdir,
        extend: (stack) => {
          new Bucket(stack, 'CarelessBucket');
        },
      }),
    ).toThrow(/AwsSolutions-S10/);
    expect(violations(outdir)).toContain('AwsSolutions-S10 at Cratewatch/CarelessBucket/Resource');
  });
});
