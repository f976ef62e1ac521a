// `cratewatch invoke`: runs the deployed scan in AWS from the terminal. With --repo, the
// scan-repo function once per repository, synchronously, printed like `cratewatch scan`;
// without, the full scan (the state machine, or the scan function) started, and with
// --wait followed to its end. The composition root of the command: clients, names, output.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { errorMessage } from '../core/errors.ts';
import type { CommandIo } from './audit.ts';
import { describeAwsFailure } from './aws-failure.ts';
import { PayloadError, parseRepoOutcome, parseScanSummary, type RepoOutcome, type ScanSummary } from './invoke-payloads.ts';
import { renderScanSummary } from './render-outcomes.ts';
import { renderOutcomes } from './render-summary.ts';
import { EXIT, UsageError } from './usage-error.ts';

export const INVOKE_HELP = `Usage: cratewatch invoke (--stack STACK | --function NAME) [options]

Runs the scan deployed in your AWS account and prints what it found.

  cratewatch invoke --stack Cratewatch --repo ripgrep   scan one repository now and print it
  cratewatch invoke --stack Cratewatch --wait           run the full scan, follow it to its end

Options:
  --stack STACK     the deployed CloudFormation stack; the functions and the state machine
                    are read from its outputs
  --function NAME   instead of --stack, the function to invoke (name or ARN): the scan-repo
                    function with --repo, the scan function (whole portfolio) without
  --repo NAME       scan this repository with the scan-repo function and wait for it
                    (repeatable)
  --wait            without --repo: wait until the full scan ends, showing its progress,
                    then print its summary (default: start it and return)
  --region REGION   the AWS region (default: AWS_REGION or the profile's region)
  -h, --help        show this help

Credentials come from the usual AWS places (AWS_PROFILE, AWS_ACCESS_KEY_ID…, SSO).

Exit codes: 0 clean (or started), 1 findings fail the policy, 2 usage or setup error (no
credentials, a missing permission, an unknown stack or function), 3 the scan could not be
handled (a function error, throttling, repositories not scanned, alerts not delivered).
`;

const EXIT_NOT_HANDLED = 3;
/** Lambda runs a function for at most 900 s; a synchronous invoke must outlast that. */
const INVOKE_TIMEOUT_MS = 960_000;
const REPO_CONCURRENCY = 4;
const POLL_INTERVAL_MS = 2_000;

/** An AWS call that failed, already described in one line; `exitCode` is 2 or 3. */
class InvokeFailedError extends Error {
  override name = 'InvokeFailedError';
  readonly exitCode: 2 | 3;
  constructor(message: string, exitCode: 2 | 3, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

async function aws<T>(doing: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const failure = describeAwsFailure(error, doing);
    throw new InvokeFailedError(failure.message, failure.exitCode, { cause: error });
  }
}

/** What to invoke, from the stack's outputs or --function. */
interface Targets {
  scanRepoFunction?: string;
  scanFunction?: string;
  stateMachineArn?: string;
  siteUrl?: string;
}

interface Clients {
  lambda: LambdaClient;
  sfn: SFNClient;
}

async function readStackOutputs(stack: string, region: { region?: string }): Promise<Map<string, string>> {
  const client = new CloudFormationClient(region);
  try {
    const answer = await aws(`reading the outputs of stack ${stack}`, () => client.send(new DescribeStacksCommand({ StackName: stack })));
    const outputs = answer.Stacks?.[0]?.Outputs ?? [];
    return new Map(outputs.filter((o) => o.OutputKey && o.OutputValue).map((o) => [o.OutputKey!, o.OutputValue!]));
  } finally {
    client.destroy();
  }
}

function requireOutput(outputs: Map<string, string>, key: string, stack: string): string {
  const value = outputs.get(key);
  if (value !== undefined) return value;
  const have = outputs.size > 0 ? `it has ${[...outputs.keys()].sort().join(', ')}` : 'it has no outputs';
  throw new InvokeFailedError(`stack ${stack} has no output ${key} (${have}); is it a cratewatch stack deployed by this version?`, EXIT.usage);
}

/** One line for a failed function: its error type and message, never its stack trace. */
function functionErrorLine(payload: Uint8Array | undefined): string {
  try {
    const doc = JSON.parse(new TextDecoder().decode(payload)) as { errorType?: unknown; errorMessage?: unknown };
    const type = typeof doc.errorType === 'string' ? `${doc.errorType}: ` : '';
    if (typeof doc.errorMessage === 'string') return `${type}${doc.errorMessage}`.replace(/\s+/g, ' ').trim();
  } catch {
    // Not JSON: fall through to the generic line.
  }
  return 'the function failed without an error message (see its CloudWatch logs)';
}

function decodeJson(payload: Uint8Array | undefined, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(payload));
  } catch (error) {
    throw new PayloadError(`${what} is not JSON: ${errorMessage(error)}`, { cause: error });
  }
}

/** scan-repo, once per repository, a few at a time; a setup failure (exit 2) stops the rest. */
async function invokeRepositories(repos: readonly string[], fn: string, lambda: LambdaClient, io: CommandIo): Promise<RepoOutcome[]> {
  const outcomes: RepoOutcome[] = [];
  const tty = io.stderr === process.stderr && process.stderr.isTTY === true;
  let next = 0;
  let setupFailure: InvokeFailedError | undefined;
  const invokeOne = async (repo: string): Promise<RepoOutcome> => {
    try {
      const answer = await aws(`invoking ${fn} for ${repo}`, () => lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'RequestResponse', Payload: JSON.stringify({ repo }) })));
      if (answer.FunctionError) return { repo, status: 'error', counts: null, key: null, newFindings: null, resolvedFindings: null, error: `${fn} failed: ${functionErrorLine(answer.Payload)}` };
      const outcome = parseRepoOutcome(decodeJson(answer.Payload, `${fn}'s answer for ${repo}`), `${fn}'s answer for ${repo}`);
      if (outcome.repo !== repo) throw new PayloadError(`${fn}'s answer for ${repo} is about repository ${outcome.repo}`);
      return outcome;
    } catch (error) {
      if (error instanceof InvokeFailedError && error.exitCode === EXIT.usage) throw error;
      if (error instanceof InvokeFailedError || error instanceof PayloadError) return { repo, status: 'error', counts: null, key: null, newFindings: null, resolvedFindings: null, error: error.message };
      throw error;
    }
  };
  const worker = async () => {
    while (next < repos.length && setupFailure === undefined) {
      const repo = repos[next++]!;
      try {
        const outcome = await invokeOne(repo);
        outcomes.push(outcome);
        const detail = outcome.error ?? (outcome.counts ? `${outcome.counts.findings} findings` : 'no counts');
        const line = `[${outcomes.length}/${repos.length}] ${repo}: ${outcome.status} (${detail})`;
        io.stderr.write(tty ? `${line}\n` : `invoke: ${line}\n`);
      } catch (error) {
        if (error instanceof InvokeFailedError) setupFailure = error;
        else throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REPO_CONCURRENCY, repos.length) }, worker));
  if (setupFailure) throw setupFailure;
  return outcomes;
}

function elapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** The Map state's progress from the execution history: iterations ended of all started. */
async function mapProgress(sfn: SFNClient, executionArn: string): Promise<string> {
  let total: number | undefined;
  let done = 0;
  let failed = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: false, nextToken }));
    for (const event of page.events ?? []) {
      if (event.type === 'MapStateStarted') total = (total ?? 0) + (event.mapStateStartedEventDetails?.length ?? 0);
      else if (event.type === 'MapIterationSucceeded') done++;
      else if (event.type === 'MapIterationFailed' || event.type === 'MapIterationAborted') failed++;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (total === undefined) return '';
  return `: ${done + failed}/${total} repositories${failed > 0 ? ` (${failed} failed)` : ''}`;
}

/** The cause of a failed execution in one line: a Lambda error's message, not its trace. */
function causeLine(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const doc = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof doc.errorMessage === 'string') return `: ${doc.errorMessage.replace(/\s+/g, ' ').trim()}`;
  } catch {
    // A plain-text cause.
  }
  return `: ${cause.split('\n')[0]}`;
}

/** Polls the execution until it ends, with a progress line on stderr; returns its last description. */
async function followExecution(executionArn: string, sfn: SFNClient, io: CommandIo): Promise<DescribeExecutionCommandOutput> {
  const tty = io.stderr === process.stderr && process.stderr.isTTY === true;
  const started = io.now().getTime();
  let historyReadable = true;
  let lastLine = '';
  for (;;) {
    const execution = await aws(`following execution ${executionArn}`, () => sfn.send(new DescribeExecutionCommand({ executionArn })));
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      if (tty) io.stderr.write('\r\u001b[2K');
      return execution;
    }
    let progress = '';
    if (historyReadable) {
      // Without states:GetExecutionHistory the line simply shows no progress.
      progress = await mapProgress(sfn, executionArn).catch(() => ((historyReadable = false), ''));
    }
    const line = `execution ${execution.status.toLowerCase()}${progress}`;
    if (tty) io.stderr.write(`\r\u001b[2K${line}, ${elapsed(io.now().getTime() - started)}`);
    else if (line !== lastLine) io.stderr.write(`invoke: ${line} (${elapsed(io.now().getTime() - started)})\n`);
    lastLine = line;
    await sleep(POLL_INTERVAL_MS);
  }
}

function summaryExitCode(summary: ScanSummary): number {
  if (summary.status === 'incomplete' || summary.alertFailure !== null) return EXIT_NOT_HANDLED;
  return summary.status === 'failing' ? EXIT.findings : EXIT.ok;
}

function printSummary(summary: ScanSummary, targets: Targets, io: CommandIo, color: boolean): number {
  io.stdout.write(renderScanSummary(summary, { color }));
  if (targets.siteUrl) io.stdout.write(`report at ${targets.siteUrl}\n`);
  if (summary.alertFailure !== null) io.stderr.write(`error: ${summary.alertFailure}\n`);
  return summaryExitCode(summary);
}

async function runFullScan(targets: Targets, wait: boolean, clients: Clients, io: CommandIo, color: boolean): Promise<number> {
  if (targets.stateMachineArn) {
    const arn = targets.stateMachineArn;
    const started = await aws(`starting state machine ${arn}`, () => clients.sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{}' })));
    io.stdout.write(`started execution ${started.executionArn}\n`);
    if (!wait) return EXIT.ok;
    const execution = await followExecution(started.executionArn!, clients.sfn, io);
    if (execution.status !== 'SUCCEEDED') {
      io.stderr.write(`cratewatch: execution ${started.executionArn} ended ${execution.status}${execution.error ? ` with ${execution.error}` : ''}${causeLine(execution.cause)}\n`);
      return EXIT_NOT_HANDLED;
    }
    const what = `the output of execution ${started.executionArn}`;
    let output: unknown;
    try {
      output = JSON.parse(execution.output ?? '');
    } catch (error) {
      throw new PayloadError(`${what} is not JSON: ${errorMessage(error)}`, { cause: error });
    }
    return printSummary(parseScanSummary(output, what), targets, io, color);
  }
  const fn = targets.scanFunction!;
  if (!wait) {
    await aws(`invoking ${fn}`, () => clients.lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: '{}' })));
    io.stdout.write(`started ${fn} in the background; its log is in CloudWatch (/aws/lambda/${fn.split(':').at(-1)})\n`);
    return EXIT.ok;
  }
  const tty = io.stderr === process.stderr && process.stderr.isTTY === true;
  const started = io.now().getTime();
  const ticker = tty ? setInterval(() => io.stderr.write(`\r\u001b[2Kwaiting for ${fn}, ${elapsed(io.now().getTime() - started)}`), 1000) : undefined;
  let answer;
  try {
    answer = await aws(`invoking ${fn}`, () => clients.lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'RequestResponse', Payload: '{}' })));
  } finally {
    clearInterval(ticker);
    if (tty) io.stderr.write('\r\u001b[2K');
  }
  if (answer.FunctionError) {
    io.stderr.write(`cratewatch: ${fn} failed: ${functionErrorLine(answer.Payload)}\n`);
    return EXIT_NOT_HANDLED;
  }
  return printSummary(parseScanSummary(decodeJson(answer.Payload, `${fn}'s answer`), `${fn}'s answer`), targets, io, color);
}

/** Runs `cratewatch invoke`; resolves to the exit code. */
export async function runInvoke(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      stack: { type: 'string' },
      function: { type: 'string' },
      repo: { type: 'string', multiple: true, default: [] },
      wait: { type: 'boolean', default: false },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(INVOKE_HELP);
    return EXIT.ok;
  }
  if (values.stack !== undefined && values.function !== undefined) throw new UsageError('pass --stack STACK or --function NAME, not both');
  if (values.stack === undefined && values.function === undefined) throw new UsageError('say what to invoke: --stack STACK (the deployed cratewatch stack) or --function NAME (see cratewatch invoke --help)');
  for (const [option, value] of [['--stack', values.stack], ['--function', values.function], ['--region', values.region]] as const) {
    if (value !== undefined && value.trim() === '') throw new UsageError(`${option} needs a value`);
  }
  if (values.repo.some((r) => r.trim() === '')) throw new UsageError('--repo needs a repository name');
  const repos = [...new Set(values.repo)];
  const region = values.region === undefined ? {} : { region: values.region };
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR;

  const clients: Clients = {
    // No retries (a retried invoke scans twice) and no timeout before Lambda's own 900 s.
    lambda: new LambdaClient({ ...region, maxAttempts: 1, requestHandler: { requestTimeout: INVOKE_TIMEOUT_MS, throwOnRequestTimeout: true, connectionTimeout: 10_000 } }),
    sfn: new SFNClient(region),
  };
  try {
    const targets: Targets = {};
    if (values.stack !== undefined) {
      const outputs = await readStackOutputs(values.stack, region);
      if (repos.length > 0) targets.scanRepoFunction = requireOutput(outputs, 'ScanRepoFunctionName', values.stack);
      else if (outputs.has('StateMachineArn')) targets.stateMachineArn = outputs.get('StateMachineArn');
      else targets.scanFunction = requireOutput(outputs, 'ScanFunctionName', values.stack);
      targets.siteUrl = outputs.get('SiteUrl');
    } else if (repos.length > 0) {
      targets.scanRepoFunction = values.function;
    } else {
      targets.scanFunction = values.function;
    }

    if (repos.length === 0) return await runFullScan(targets, values.wait, clients, io, color);
    const outcomes = await invokeRepositories(repos, targets.scanRepoFunction!, clients.lambda, io);
    io.stdout.write(renderOutcomes(outcomes, { color }));
    if (outcomes.some((o) => o.status === 'error')) return EXIT_NOT_HANDLED;
    return outcomes.some((o) => o.status === 'failing') ? EXIT.findings : EXIT.ok;
  } catch (error) {
    if (error instanceof InvokeFailedError) {
      io.stderr.write(`cratewatch: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof PayloadError) {
      io.stderr.write(`cratewatch: ${error.message} (is the deployed stack from this version of cratewatch?)\n`);
      return EXIT_NOT_HANDLED;
    }
    throw error;
  } finally {
    clients.lambda.destroy();
    clients.sfn.destroy();
  }
}
