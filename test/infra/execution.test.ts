// The state machine the stack deploys, executed as synthesized: its definition read from the
// template and run by aws-local-stepfunctions, every Lambda task bound to the real handler
// in-process, against S3 (s3rver), SNS, GitHub, the sparse index and the advisory archive on
// loopback. The results must be what a local `cratewatch scan` stores, the unreadable
// repository recorded, alerts delivered once, the site synced; a repository whose scan keeps
// failing is caught by the Map and recorded without failing the run.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult, SummaryIndex } from '../../functions/core/result.ts';
import { STATES } from '../../infra/constructs/scan-workflow.ts';
import { comparableResult, RESULTS_BUCKET, SITE_BUCKET, startCloudHarness, type CloudHarness } from '../helpers/cloud-harness.ts';
import { runCli } from '../helpers/run-cli.ts';
import { type StateMachineDefinition, stateMachineDefinition, synthStack } from './stack-fixture.ts';

const scheduledEvent = JSON.parse(await readFile(join(import.meta.dirname, '../fixtures/events/eventbridge-scheduled-event.json'), 'utf8')) as Record<string, unknown>;

let cloud: CloudHarness;
let definition: StateMachineDefinition;
const finishInputs: unknown[] = [];

async function keys(bucket: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await cloud.s3.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    found.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return found.sort();
}

async function object<T>(key: string): Promise<T> {
  const response = await cloud.s3.client().send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key: key }));
  return JSON.parse(await response.Body!.transformToString()) as T;
}

/** One execution of the synthesized definition with the real handlers (retries without their waits). */
async function execute(input: unknown): Promise<unknown> {
  const machine = new StateMachine(definition as never);
  const run = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: {
        [STATES.prepare]: (event) => cloud.handlers.prepare(event) as never,
        [STATES.scanRepo]: (event) => cloud.handlers.scanRepo(event) as never,
        [STATES.finish]: (event) => {
          finishInputs.push(structuredClone(event));
          return cloud.handlers.finish(event) as never;
        },
        [STATES.buildReport]: (event) => cloud.handlers.buildReport(event) as never,
      },
      retryIntervalOverrides: { [STATES.prepare]: 0, [STATES.scanRepo]: 0, [STATES.finish]: 0, [STATES.buildReport]: 0 },
    },
  });
  return run.result;
}

beforeAll(async () => {
  cloud = await startCloudHarness();
  // The stack synthesized from the harness's own configuration (its loopback sources pass the AWS checks).
  definition = stateMachineDefinition(synthStack({ configText: cloud.configText }).template);
}, 60_000);
afterAll(async () => {
  await cloud?.close();
});

describe('a scheduled execution of the synthesized state machine', () => {
  let output: unknown;
  beforeAll(async () => {
    output = await execute(structuredClone(scheduledEvent));
  }, 180_000);

  it("ends with finish's summary and the site sync's counts", () => {
    expect(output).toEqual({ status: 'incomplete', repositories: 3, alertsDelivered: 2, alertFailure: null, report: { uploaded: expect.any(Number), deleted: 0, unchanged: 0 } });
    expect((output as { report: { uploaded: number } }).report.uploaded).toBeGreaterThan(10);
  });

  it('hands finish one small outcome per repository, the unreadable one recorded as an error', () => {
    const input = finishInputs[0] as { runId: string; startedAt: string; outcomes: { repo: string; status: string }[] };
    expect(Object.keys(input).sort()).toEqual(['outcomes', 'runId', 'startedAt']);
    expect(input.outcomes.map((o) => [o.repo, o.status])).toEqual([
      ['app', 'failing'],
      ['clean', 'clean'],
      ['secret', 'error'],
    ]);
    expect(JSON.stringify(input).length).toBeLessThan(4_000);
  });

  it('stores the same results as a local `cratewatch scan` of the same inputs, and a summary of all three', async () => {
    const config = join(cloud.tmp, 'local.toml');
    await writeFile(config, cloud.configText);
    const local = await runCli(['scan', '--config', config, '--out', join(cloud.tmp, 'local'), '--no-report'], { cwd: cloud.tmp });
    expect(local.code).toBe(3);
    for (const repo of ['app', 'clean', 'secret']) {
      const here = JSON.parse(await readFile(join(cloud.tmp, 'local', 'results', repo, 'latest.json'), 'utf8')) as ScanResult;
      expect(comparableResult(await object<ScanResult>(`results/${repo}/latest.json`))).toEqual(comparableResult(here));
    }
    const summary = await object<SummaryIndex>('results/index.json');
    expect(summary.repositories.map((r) => [r.name, r.status])).toEqual([
      ['app', 'failing'],
      ['clean', 'clean'],
      ['secret', 'error'],
    ]);
  }, 60_000);

  it('delivers the alert once', () => {
    expect(cloud.sns.published.map((m) => m.subject)).toEqual(['cratewatch: 1 critical, 1 high findings in app']);
  });

  it('syncs the built site to the site bucket', async () => {
    const site = await keys(SITE_BUCKET);
    expect(site).toContain('index.html');
    expect(site).toContain('repos/app/index.html');
    expect(site).toContain('repos/secret/index.html');
  });
});

describe('an execution in which one repository cannot be stored at all', () => {
  let output: unknown;
  beforeAll(async () => {
    finishInputs.length = 0;
    // Every write of clean's latest.json fails: the Map's 4 attempts × the SDK's 3 tries each.
    cloud.s3.failNext(12, { method: 'PUT', keyPattern: /results\/clean\/latest\.json$/ });
    output = await execute({});
  }, 180_000);

  it('catches the failure in the Map, records it for finish, and completes the run', () => {
    const outcomes = (finishInputs[0] as { outcomes: { repo: string; status: string; error?: string }[] }).outcomes;
    expect(outcomes.map((o) => [o.repo, o.status])).toEqual([
      ['app', 'failing'],
      ['clean', 'error'],
      ['secret', 'error'],
    ]);
    expect(outcomes[1]).toEqual({ repo: 'clean', status: 'error', error: expect.stringMatching(/could not be stored/) });
    expect(output).toMatchObject({ status: 'incomplete', repositories: 3, alertsDelivered: 0, alertFailure: null });
  });

  it('sends no alert a second time', () => {
    expect(cloud.sns.published).toHaveLength(1);
  });
});
