// cratewatch.toml and the stage's context as the stack reads them at synth: the CLI's own
// validation and messages, the AWS-only rules, and infra/app.ts failing with those messages.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ConfigErrors, loadConfig } from '../../functions/app/config.ts';
import { readStackConfig } from '../../infra/stack-config.ts';
import { readStageContext, StageContextError } from '../../infra/stage-context.ts';
import { cdkJsonContext, ROOT, TEST_CONFIG, writeConfig } from './stack-fixture.ts';

const INVALID = `concurrency = 0

[schedule]
expresion = "rate(1 day)"

[[repositories]]
name = "ripgrep"
github = "BurntSushi/ripgrep"
`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('readStackConfig', () => {
  it('fails with exactly the messages the CLI gives, file:line and field, for an invalid file', () => {
    const file = writeConfig(INVALID);
    const error = thrown(() => readStackConfig({ file }));
    expect(error).toBeInstanceOf(ConfigErrors);
    expect((error as Error).message).toBe((thrown(() => loadConfig(INVALID, file)) as Error).message);
    expect((error as Error).message).toBe(
      `${file} has 2 problems:\n  ${file}:1 (field \`concurrency\`): expected an integer from 1 to 64, got the integer 0\n  ${file}:4 (field \`schedule.expresion\`): unknown key \`expresion\`; did you mean \`expression\`?`,
    );
  });

  it('returns the validated configuration and the text to upload', () => {
    const file = writeConfig(TEST_CONFIG);
    const read = readStackConfig({ file });
    expect(read.text).toBe(TEST_CONFIG);
    expect(read.config.concurrency).toBe(7);
    expect(read.config.schedule).toEqual({ expression: 'cron(30 5 * * ? *)', timezone: 'Europe/Berlin' });
    expect(read.warnings).toEqual([]);
  });

  it('refuses tokens in the file, naming the fields and never the values, since the file is uploaded', () => {
    const text = TEST_CONFIG.replace('concurrency = 7\n', 'concurrency = 7\n\n[sources]\ngithub_token = "ghp_secret123"\ngitlab_token = "glpat-secret456"\n');
    const file = writeConfig(text);
    const message = (thrown(() => readStackConfig({ file })) as Error).message;
    const lineOf = (key: string) => text.split('\n').findIndex((l) => l.startsWith(key)) + 1;
    expect(message).toBe(
      [
        `${file} has 2 problems:`,
        `  ${file}:${lineOf('github_token')} (field \`sources.github_token\`): tokens are not uploaded to AWS; remove it and put it in the Secrets Manager secret (context tokenSecretName or createTokenSecret)`,
        `  ${file}:${lineOf('gitlab_token')} (field \`sources.gitlab_token\`): tokens are not uploaded to AWS; remove it and put it in the Secrets Manager secret (context tokenSecretName or createTokenSecret)`,
      ].join('\n'),
    );
    expect(message).not.toMatch(/secret123|secret456/);
  });

  it('ignores GITHUB_TOKEN in the environment: only the file decides what is uploaded', () => {
    process.env.GITHUB_TOKEN = 'ghp_from_the_shell';
    try {
      expect(readStackConfig({ file: writeConfig(TEST_CONFIG) }).config.tokens.github).toBe(null);
    } finally {
      delete process.env.GITHUB_TOKEN;
    }
  });

  it('refuses what a Lambda function cannot reach: path repositories and a local advisory database', () => {
    const text = `[sources]\nadvisory_db = "../advisory-db"\n\n[[repositories]]\nname = "web"\ngithub = "acme/web"\n\n[[repositories]]\nname = "local"\npath = "../local"\n`;
    const file = writeConfig(text);
    expect((thrown(() => readStackConfig({ file })) as Error).message).toBe(
      [
        `${file} has 2 problems:`,
        `  ${file}:2 (field \`sources.advisory_db\`): expected an http(s) URL on AWS: the Lambda functions cannot read a path on this machine`,
        `  ${file}:10 (field \`repositories[1].path\`): expected github, gitlab or url on AWS: the Lambda functions cannot read a folder on this machine`,
      ].join('\n'),
    );
  });

  it('deploys cratewatch.example.toml with a warning when no file is named and cratewatch.toml does not exist', () => {
    const cwd = dirname(writeConfig(readFileSync(join(ROOT, 'cratewatch.example.toml'), 'utf8'), 'cratewatch.example.toml'));
    const read = readStackConfig({ cwd });
    expect(read.file).toBe('cratewatch.example.toml');
    expect(read.config.repositories.map((r) => r.name)).toEqual(['ripgrep', 'bat', 'mdBook', 'axum', 'deps.rs']);
    expect(read.warnings).toEqual([
      'cratewatch.toml not found: deploying cratewatch.example.toml, which scans five public repositories; copy it to cratewatch.toml and list your own',
    ]);
  });

  it('prefers cratewatch.toml in the working directory when no file is named', () => {
    const cwd = dirname(writeConfig(TEST_CONFIG));
    expect(readStackConfig({ cwd })).toMatchObject({ file: 'cratewatch.toml', warnings: [] });
  });

  it('reports a named file that does not exist instead of falling back to the example', () => {
    const cwd = dirname(writeConfig(TEST_CONFIG));
    expect((thrown(() => readStackConfig({ file: 'prod.toml', cwd })) as Error).message).toBe(
      'prod.toml has a problem:\n  prod.toml: no such file; give the configuration with -c config=PATH (default cratewatch.toml)',
    );
  });
});

describe('readStageContext', () => {
  const from = (values: Record<string, unknown>) => readStageContext((key) => values[key]);

  it('defaults to stack Cratewatch, no secret, 90 days of logs at INFO', () => {
    expect(from({})).toEqual({ stackName: 'Cratewatch', configFile: undefined, tokenSecret: { kind: 'none' }, logRetention: RetentionDays.THREE_MONTHS, logLevel: 'INFO' });
  });

  it('reads -c strings and cdk.json values alike', () => {
    expect(from({ stackName: 'CratewatchProd', config: 'prod.toml', createTokenSecret: 'true', logRetentionDays: '365', logLevel: 'DEBUG' })).toEqual({
      stackName: 'CratewatchProd',
      configFile: 'prod.toml',
      tokenSecret: { kind: 'create' },
      logRetention: RetentionDays.ONE_YEAR,
      logLevel: 'DEBUG',
    });
    expect(from({ tokenSecretName: 'team/tokens', logRetentionDays: 30 }).tokenSecret).toEqual({ kind: 'existing', name: 'team/tokens' });
  });

  it.each([
    [{ logRetentionDays: '45' }, /^context logRetentionDays: expected one of CloudWatch's retention periods \(1, 3, 5, 7, 14, 30, 60, 90,.*\), got "45"$/],
    [{ createTokenSecret: 'yes' }, /^context createTokenSecret: expected true or false, got "yes"$/],
    [{ createTokenSecret: true, tokenSecretName: 'x' }, /^context createTokenSecret and tokenSecretName: expected one of them, not both/],
    [{ stackName: '9lives' }, /^context stackName: expected a CloudFormation stack name/],
    [{ logLevel: 'verbose' }, /^context logLevel: expected DEBUG, INFO, WARN, ERROR, got "verbose"$/],
  ])('refuses %j, naming the key', (values, message) => {
    const error = thrown(() => from(values));
    expect(error).toBeInstanceOf(StageContextError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('infra/app.ts', () => {
  const run = async (context: Record<string, unknown>) => {
    const outdir = mkdtempSync(join(tmpdir(), 'cratewatch-app-'));
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'infra', 'app.ts')], {
        cwd: ROOT,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context }) },
      });
      return { code: 0, stdout, stderr, outdir };
    } catch (error) {
      const failure = error as { code: number; stdout: string; stderr: string };
      return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr, outdir };
    }
  };

  it('exits 1 and prints the configuration problems with file:line, without a stack trace', async () => {
    const file = writeConfig(INVALID);
    const result = await run({ config: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${(thrown(() => loadConfig(INVALID, file)) as Error).message}\n`);
  });

  it('exits 1 naming the context key when a context value is wrong', async () => {
    const result = await run({ config: writeConfig(TEST_CONFIG), logRetentionDays: 45 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^context logRetentionDays: expected one of CloudWatch's retention periods/);
  });

  it('writes the stack template, with cdk-nag passing, for a valid configuration and stack name', async () => {
    const result = await run({ config: writeConfig(TEST_CONFIG), stackName: 'CratewatchTest' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const template = JSON.parse(readFileSync(join(result.outdir, 'CratewatchTest.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const schedule = Object.values(template.Resources).find((r) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedule?.Properties.ScheduleExpressionTimezone).toBe('Europe/Berlin');
  });
}, 60_000);
