// `cratewatch invoke` as a process, against loopback stand-ins for Lambda, Step Functions
// and CloudFormation reached through the SDK's own AWS_ENDPOINT_URL_* variables, with
// static credentials: per-repository invokes rendered like `cratewatch scan`, names from
// stack outputs, a full scan started and followed, and every failure as one line and an
// exit code, never a stack trace.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCloudFormationServer, type CloudFormationServer } from '../helpers/cloudformation-server.ts';
import { THROTTLED, accessDenied, startLambdaServer, type LambdaServer } from '../helpers/lambda-server.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';
import { startSfnServer, type SfnServer } from '../helpers/sfn-server.ts';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:cratewatch-scan';
const FAILING_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:cratewatch-broken';

function counts(severities: Partial<Record<'critical' | 'high' | 'medium' | 'low' | 'unscored' | 'informational', number>>, duplicates = 0) {
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, unscored: 0, informational: 0, ...severities };
  const findings = Object.values(bySeverity).reduce((a, b) => a + b, 0);
  return { findings, ignored: 0, duplicates, bySeverity, byKind: { vulnerability: findings, unmaintained: 0, unsound: 0, notice: 0, yanked: 0 } };
}

/** scan-repo's answers, shaped as the handler contract says. */
const OUTCOMES: Record<string, unknown> = {
  ripgrep: { repo: 'ripgrep', status: 'failing', counts: counts({ critical: 1, high: 2 }, 3), key: 'results/ripgrep/history/2025-06-01T12-00-00.000Z.json', error: null, newFindings: 1, resolvedFindings: 2 },
  serde: { repo: 'serde', status: 'clean', counts: counts({}), key: 'results/serde/history/2025-06-01T12-00-00.000Z.json', error: null, newFindings: 0, resolvedFindings: 0 },
  tokio: { repo: 'tokio', status: 'warnings', counts: counts({ informational: 1 }), key: 'results/tokio/history/2025-06-01T12-00-00.000Z.json', error: null, newFindings: 0, resolvedFindings: 0 },
  gone: { repo: 'gone', status: 'error', counts: null, key: null, error: 'GitHub answered 404 for example/gone: check the repository name' },
};

async function scanRepo(event: unknown): Promise<unknown> {
  const repo = (event as { repo: string }).repo;
  const outcome = OUTCOMES[repo];
  if (outcome === undefined) throw new Error(`repository "${repo}" is not in the configuration`);
  return outcome;
}

let lambda: LambdaServer;
let sfn: SfnServer;
let cloudformation: CloudFormationServer;
let nextScanSummary: unknown;

beforeAll(async () => {
  lambda = await startLambdaServer({
    'cratewatch-scan-repo': scanRepo,
    'cratewatch-scan-repo-Xy12': scanRepo,
    'broken-scan-repo': async () => {
      throw new TypeError('Cannot read properties of undefined (reading "Body")');
    },
    'cratewatch-scan': async () => nextScanSummary,
  });
  sfn = await startSfnServer({
    [STATE_MACHINE]: async (_input, control) => {
      control.emit('MapStateStarted', { mapStateStartedEventDetails: { length: 3 } });
      control.emit('MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: 'Scan each repository', index: 0 } });
      control.emit('MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: 'Scan each repository', index: 1 } });
      control.emit('MapIterationFailed', { mapIterationFailedEventDetails: { name: 'Scan each repository', index: 2 } });
      // The CLI sees the execution running before it ends.
      await control.describedRunning;
      return { status: 'failing', repositories: 3, alertsDelivered: 2, alertFailure: null };
    },
    [FAILING_MACHINE]: async (_input, control) => {
      await control.describedRunning;
      const error = new Error('SNS publish failed: the topic does not exist');
      error.name = 'AlertDeliveryError';
      throw error;
    },
  });
  cloudformation = await startCloudFormationServer({
    Cratewatch: {
      ScanFunctionName: 'cratewatch-scan',
      ScanRepoFunctionName: 'cratewatch-scan-repo-Xy12',
      FinishFunctionName: 'cratewatch-finish',
      BuildReportFunctionName: 'cratewatch-build-report',
      StateMachineArn: STATE_MACHINE,
      SiteUrl: 'https://d111111abcdef8.cloudfront.net/',
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:cratewatch-alerts',
      ResultsBucketName: 'cratewatch-results',
    },
    NoStateMachine: { ScanFunctionName: 'cratewatch-scan', ScanRepoFunctionName: 'cratewatch-scan-repo' },
    Broken: { StateMachineArn: FAILING_MACHINE, ScanRepoFunctionName: 'cratewatch-scan-repo' },
    Unrelated: { BucketName: 'something-else' },
  });
});
afterAll(async () => {
  await Promise.all([lambda.close(), sfn.close(), cloudformation.close()]);
});
beforeEach(() => {
  lambda.invocations.length = 0;
  sfn.requests.length = 0;
  cloudformation.requests.length = 0;
});

/** Credentials and endpoints from the environment only: nothing of the developer's own AWS setup leaks in. */
function awsEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: undefined,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_ROLE_ARN: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    AWS_ENDPOINT_URL_SFN: sfn.url,
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
    CRATEWATCH_DEBUG: undefined,
    ...overrides,
  };
}

function invoke(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(['invoke', ...args], { env: awsEnv(env) });
}

/** Stderr's lines, and a check that none is a stack frame. */
function stderrLines(run: CliRun): string[] {
  expect(run.stderr).not.toContain('    at ');
  return run.stderr.split('\n').filter((l) => l !== '');
}

/** Progress lines without their `[n/total]` position, which depends on which invoke ends first. */
function progress(run: CliRun): string[] {
  return stderrLines(run)
    .map((l) => l.replace(/^invoke: \[\d+\/(\d+)\]/, 'invoke: [_/$1]'))
    .sort();
}

describe('cratewatch invoke --repo', () => {
  it('prints a summary table from scan-repo outcomes and exits 1 when a repository fails the policy', async () => {
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'ripgrep', '--repo', 'serde']);
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('repository  status   crit  high  med  low  unsc  info  new  fixed  outdated  dups');
    expect(lines).toContain('ripgrep     failing  1     2     0    0    0     0     1    2      -         3');
    expect(lines).toContain('serde       clean    0     0     0    0    0     0     0    0      -         0');
    expect(lines).toContain('2 repositories: 1 failing, 0 with warnings, 1 clean, 0 scanned nothing, 0 could not be scanned');
    expect(progress(run)).toEqual(['invoke: [_/2] ripgrep: failing (3 findings)', 'invoke: [_/2] serde: clean (0 findings)']);
  });

  it('invokes scan-repo once per repository, synchronously, with {"repo": NAME}, signed with the credentials of the environment', async () => {
    await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'ripgrep', '--repo', 'serde']);
    const calls = lambda.invocations.map((i) => ({ name: i.functionName, type: i.invocationType, payload: i.payload })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(calls).toEqual([
      { name: 'cratewatch-scan-repo', type: 'RequestResponse', payload: { repo: 'ripgrep' } },
      { name: 'cratewatch-scan-repo', type: 'RequestResponse', payload: { repo: 'serde' } },
    ]);
    expect(lambda.invocations.map((i) => /Credential=(\w+)\/\d+\/us-east-1\/lambda\//.exec(i.authorization)?.[1])).toEqual(['test', 'test']);
  });

  it('exits 0 when every repository is clean or only has warnings', async () => {
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'serde', '--repo', 'tokio']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('tokio       warnings  0     0     0    0    0     1     0    0      -         0');
  });

  it('exits 3 and shows the error row when scan-repo reports a repository it could not scan', async () => {
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'gone', '--repo', 'ripgrep']);
    expect(run.code).toBe(3);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('gone        error    -     -     -    -    -     -     -    -      -         -');
    expect(lines).toContain('gone: GitHub answered 404 for example/gone: check the repository name');
    expect(lines.indexOf('gone        error    -     -     -    -    -     -     -    -      -         -')).toBeLessThan(lines.findIndex((l) => l.startsWith('ripgrep ')));
  });

  it('reads the scan-repo function name from the stack outputs with --stack', async () => {
    const run = await invoke(['--stack', 'Cratewatch', '--repo', 'serde']);
    expect(run.code).toBe(0);
    expect(cloudformation.requests.map((r) => [r.Action, r.StackName])).toEqual([['DescribeStacks', 'Cratewatch']]);
    expect(lambda.invocations.map((i) => i.functionName)).toEqual(['cratewatch-scan-repo-Xy12']);
  });

  it('exits 3 with one line naming the error type and message, not the trace, when the function throws (FunctionError)', async () => {
    const run = await invoke(['--function', 'broken-scan-repo', '--repo', 'ripgrep']);
    expect(run.code).toBe(3);
    expect(stderrLines(run)).toEqual(['invoke: [1/1] ripgrep: error (broken-scan-repo failed: TypeError: Cannot read properties of undefined (reading "Body"))']);
    expect(run.stdout).toContain('ripgrep: broken-scan-repo failed: TypeError: Cannot read properties of undefined (reading "Body")');
  });

  it('exits 3 after a single attempt when Lambda throttles the invoke (429 TooManyRequestsException)', async () => {
    lambda.failNext('cratewatch-scan-repo', THROTTLED);
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'ripgrep']);
    expect(run.code).toBe(3);
    expect(stderrLines(run)).toEqual([
      'invoke: [1/1] ripgrep: error (invoking cratewatch-scan-repo for ripgrep failed: TooManyRequestsException: Rate Exceeded.; AWS is throttling (too many concurrent runs?): try again in a minute)',
    ]);
    expect(lambda.invocations.map((i) => i.fault)).toEqual(['TooManyRequestsException']);
  });

  it('exits 2 with one line when the credentials may not invoke the function (AccessDeniedException)', async () => {
    lambda.failNext('cratewatch-scan-repo', accessDenied('cratewatch-scan-repo'));
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'ripgrep']);
    expect(run.code).toBe(2);
    const lines = stderrLines(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cratewatch: invoking cratewatch-scan-repo for ripgrep failed: AccessDeniedException: User: .* is not authorized to perform: lambda:InvokeFunction .*; give your credentials the permission named above$/);
    expect(run.stdout).toBe('');
  });

  it('exits 2 with one line when no credentials can be found anywhere', async () => {
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'ripgrep'], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(run.code).toBe(2);
    const lines = stderrLines(run);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cratewatch: invoking cratewatch-scan-repo for ripgrep failed: no AWS credentials found \(.*\); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`$/);
    expect(lambda.invocations).toEqual([]);
  });

  it('exits 2 with one line when no region is set anywhere', async () => {
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'ripgrep'], { AWS_REGION: undefined });
    expect(run.code).toBe(2);
    expect(stderrLines(run)).toEqual(['cratewatch: invoking cratewatch-scan-repo for ripgrep failed: no AWS region; pass --region or set AWS_REGION']);
  });

  it('signs for the region given with --region', async () => {
    const run = await invoke(['--function', 'cratewatch-scan-repo', '--repo', 'serde', '--region', 'eu-west-1'], { AWS_REGION: undefined });
    expect(run.code).toBe(0);
    expect(lambda.invocations.map((i) => /Credential=\w+\/\d+\/([\w-]+)\/lambda\//.exec(i.authorization)?.[1])).toEqual(['eu-west-1']);
  });

  it('exits 2 naming the missing function when it does not exist (ResourceNotFoundException)', async () => {
    const run = await invoke(['--function', 'no-such-function', '--repo', 'ripgrep']);
    expect(run.code).toBe(2);
    expect(stderrLines(run)).toEqual([
      'cratewatch: invoking no-such-function for ripgrep failed: ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function; check the name (and --region), or deploy the stack first',
    ]);
  });
});

describe('cratewatch invoke --stack', () => {
  it('exits 2 with one line when the stack does not exist', async () => {
    const run = await invoke(['--stack', 'Nope', '--repo', 'ripgrep']);
    expect(run.code).toBe(2);
    expect(stderrLines(run)).toEqual(['cratewatch: reading the outputs of stack Nope failed: Stack with id Nope does not exist; check the stack name and --region']);
  });

  it('exits 2 naming the missing output and those the stack has when it is not a cratewatch stack', async () => {
    const run = await invoke(['--stack', 'Unrelated', '--repo', 'ripgrep']);
    expect(run.code).toBe(2);
    expect(stderrLines(run)).toEqual(['cratewatch: stack Unrelated has no output ScanRepoFunctionName (it has BucketName); is it a cratewatch stack deployed by this version?']);
  });

  it('exits 2 when neither --stack nor --function says what to invoke, and when both do', async () => {
    const neither = await invoke(['--repo', 'ripgrep']);
    expect(neither.code).toBe(2);
    expect(stderrLines(neither)).toEqual(['cratewatch: say what to invoke: --stack STACK (the deployed cratewatch stack) or --function NAME (see cratewatch invoke --help)']);
    const both = await invoke(['--stack', 'Cratewatch', '--function', 'x']);
    expect(both.code).toBe(2);
    expect(stderrLines(both)).toEqual(['cratewatch: pass --stack STACK or --function NAME, not both']);
  });
});

describe('cratewatch invoke (the full scan)', () => {
  it('starts the state machine of the stack with {} and returns at once without --wait', async () => {
    const run = await invoke(['--stack', 'Cratewatch']);
    expect(run.code).toBe(0);
    expect(sfn.requests.map((r) => r.operation)).toEqual(['StartExecution']);
    expect(sfn.requests[0]!.body).toMatchObject({ stateMachineArn: STATE_MACHINE, input: '{}' });
    expect(run.stdout).toMatch(/^started execution arn:aws:states:us-east-1:123456789012:execution:cratewatch-scan:[\w-]+\n$/);
    // Nobody follows it, so it is still running.
    expect(sfn.executions.get(run.stdout.slice('started execution '.length).trim())).toEqual({ input: {}, status: 'RUNNING' });
  });

  it('follows the execution with --wait, showing the Map progress, then prints the summary and exits 1 for a failing scan', async () => {
    const run = await invoke(['--stack', 'Cratewatch', '--wait']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^started execution \S+\nscan failing: 3 repositories, 2 alerts delivered \(findings fail the policy\)\nreport at https:\/\/d111111abcdef8\.cloudfront\.net\/\n$/);
    expect(stderrLines(run).map((l) => l.replace(/\(\d+s\)$/, '(_s)'))).toEqual(['invoke: execution running: 3/3 repositories (1 failed) (_s)']);
    const operations = sfn.requests.map((r) => r.operation);
    expect(operations[0]).toBe('StartExecution');
    expect(operations.filter((o) => o === 'DescribeExecution').length).toBeGreaterThanOrEqual(2);
    expect(operations.at(-1)).toBe('DescribeExecution');
  });

  it('exits 3 with one line carrying the error and the cause\'s message, not its trace, when the execution fails', async () => {
    const run = await invoke(['--stack', 'Broken', '--wait']);
    expect(run.code).toBe(3);
    const lines = stderrLines(run);
    expect(lines.at(-1)).toMatch(/^cratewatch: execution \S+:cratewatch-broken:\S+ ended FAILED with AlertDeliveryError: SNS publish failed: the topic does not exist$/);
  });

  it('invokes the scan function asynchronously (Event) when the stack has no state machine', async () => {
    nextScanSummary = { status: 'clean', repositories: 2, alertsDelivered: 0, alertFailure: null };
    const run = await invoke(['--stack', 'NoStateMachine']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('started cratewatch-scan in the background; its log is in CloudWatch (/aws/lambda/cratewatch-scan)\n');
    expect(lambda.invocations.map((i) => [i.functionName, i.invocationType])).toEqual([['cratewatch-scan', 'Event']]);
    await lambda.idle();
  });

  it('waits for the scan function named by --function and exits 3 for an incomplete scan', async () => {
    nextScanSummary = { status: 'incomplete', repositories: 4, alertsDelivered: 1, alertFailure: null };
    const run = await invoke(['--function', 'cratewatch-scan', '--wait']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('scan incomplete: 4 repositories, 1 alert delivered (some repositories could not be scanned; their errors are in the report)\n');
    expect(lambda.invocations.map((i) => [i.functionName, i.invocationType])).toEqual([['cratewatch-scan', 'RequestResponse']]);
  });

  it('exits 3 and prints the alert failure when the scan could not deliver its alerts', async () => {
    nextScanSummary = { status: 'failing', repositories: 4, alertsDelivered: 0, alertFailure: 'SNS refused the message: topic not found' };
    const run = await invoke(['--function', 'cratewatch-scan', '--wait']);
    expect(run.code).toBe(3);
    expect(stderrLines(run)).toEqual(['error: SNS refused the message: topic not found']);
  });

  it('exits 3 naming the field when the function answers something that is not a scan summary', async () => {
    nextScanSummary = { status: 'done', repositories: 4 };
    const run = await invoke(['--function', 'cratewatch-scan', '--wait']);
    expect(run.code).toBe(3);
    expect(stderrLines(run)).toEqual([
      "cratewatch: cratewatch-scan's answer: field `status` is \"done\", not one of clean, failing, incomplete (is the deployed stack from this version of cratewatch?)",
    ]);
  });
});
