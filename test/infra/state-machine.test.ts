// The state machine definition exactly as the template deploys it: valid Amazon States
// Language, the shape the runtime contract needs, and executed with aws-local-stepfunctions
// (stand-in handlers here; the real ones run in the end-to-end test) to show how data flows.
import { createRequire } from 'node:module';
import { type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATES } from '../../infra/constructs/scan-workflow.ts';
import { fakeArn, logicalId, stateMachineDefinition, type StateMachineDefinition, synthStack } from './stack-fixture.ts';

/** asl-validator ships no types; this is the part of its API used here. */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };

let definition: StateMachineDefinition;
let arns: Record<'prepare' | 'scanRepo' | 'finish' | 'buildReport', string>;

beforeAll(() => {
  const { template } = synthStack();
  definition = stateMachineDefinition(template);
  const arn = (prefix: string) => fakeArn(logicalId(template, 'AWS::Lambda::Function', prefix), 'AWS::Lambda::Function');
  arns = { prepare: arn('FunctionsPrepare'), scanRepo: arn('FunctionsScanRepo'), finish: arn('FunctionsFinish'), buildReport: arn('FunctionsBuildReport') };
});

const map = () => definition.States[STATES.map] as { ItemProcessor: StateMachineDefinition } & Record<string, unknown>;

describe('state machine definition', () => {
  it('is valid Amazon States Language, JSONPaths and ARNs included', () => {
    const { isValid, errorsText } = aslValidator(definition);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('runs prepare, the Map over the repositories, finish, then build-report, each invoking its own function', () => {
    const order: string[] = [];
    for (let name: string | undefined = definition.StartAt; name; name = definition.States[name]!.Next as string | undefined) order.push(name);
    expect(order).toEqual([STATES.prepare, STATES.map, STATES.finish, STATES.buildReport]);
    expect(definition.States[STATES.prepare]!.Resource).toBe(arns.prepare);
    expect(map().ItemProcessor.States[STATES.scanRepo]!.Resource).toBe(arns.scanRepo);
    expect(definition.States[STATES.finish]!.Resource).toBe(arns.finish);
    expect(definition.States[STATES.buildReport]!.Resource).toBe(arns.buildReport);
  });

  it("maps over $.repositories with the configuration's concurrency, keeping the outcomes in $.outcomes", () => {
    expect(map()).toMatchObject({ Type: 'Map', ItemsPath: '$.repositories', MaxConcurrency: 7, ResultPath: '$.outcomes' });
    expect(map().ItemProcessor).toMatchObject({ ProcessorConfig: { Mode: 'INLINE' }, StartAt: STATES.scanRepo });
  });

  it('retries a failed repository scan with backoff and jitter, then records it instead of failing the run', () => {
    const scanRepo = map().ItemProcessor.States[STATES.scanRepo]!;
    expect(scanRepo.Retry).toContainEqual({ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });
    expect(scanRepo.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: STATES.recordFailure }]);
    expect(scanRepo.TimeoutSeconds).toBe(330);
  });

  it('hands finish only the run id, start time and outcomes', () => {
    expect(definition.States[STATES.finish]!.Parameters).toEqual({ 'runId.$': '$.runId', 'startedAt.$': '$.startedAt', 'outcomes.$': '$.outcomes' });
  });
});

describe('state machine execution (stand-in handlers)', () => {
  const prepared = {
    runId: 'run-1',
    startedAt: '2099-06-01T06:00:00.000Z',
    dbRevision: 'abc123',
    repositories: ['ripgrep', 'broken', 'bat'].map((repo) => ({ repo, runId: 'run-1', startedAt: '2099-06-01T06:00:00.000Z' })),
  };
  const counts = { findings: 0 };

  type LocalHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
  type Json = Parameters<LocalHandler>[0];

  async function execute(scanRepo: (item: { repo: string }) => Promise<Json>) {
    const calls = { scanRepo: [] as unknown[], finish: [] as unknown[], buildReport: [] as unknown[] };
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    const execution = machine.run(
      {},
      {
        overrides: {
          taskResourceLocalHandlers: {
            [STATES.prepare]: async () => prepared,
            [STATES.scanRepo]: async (item: Json) => {
              calls.scanRepo.push(item);
              return scanRepo(item as { repo: string });
            },
            [STATES.finish]: async (input: unknown) => {
              calls.finish.push(input);
              return { status: 'incomplete', repositories: 3, alertsDelivered: 0, alertFailure: null };
            },
            [STATES.buildReport]: async (input: unknown) => {
              calls.buildReport.push(input);
              return { uploaded: 12, deleted: 0, unchanged: 3 };
            },
          },
          retryIntervalOverrides: { [STATES.scanRepo]: 0 },
        },
      },
    );
    return { output: await execution.result, calls };
  }

  it('gives each repository its Map item, records the one that always fails as an error, and ends with the report', async () => {
    const { output, calls } = await execute(async ({ repo }) => {
      if (repo === 'broken') throw Object.assign(new Error('S3 is down'), { name: 'StoreError' });
      return { repo, status: 'clean', counts, key: `results/${repo}/history/x.json`, error: null };
    });
    expect(calls.scanRepo.filter((c) => (c as { repo: string }).repo === 'broken')).toHaveLength(4); // the try and 3 retries
    expect(calls.scanRepo.filter((c) => (c as { repo: string }).repo === 'ripgrep')).toEqual([prepared.repositories[0]]);
    expect(calls.finish).toEqual([
      {
        runId: 'run-1',
        startedAt: '2099-06-01T06:00:00.000Z',
        outcomes: [
          { repo: 'ripgrep', status: 'clean', counts, key: 'results/ripgrep/history/x.json', error: null },
          { repo: 'broken', status: 'error', error: 'StoreError: S3 is down' },
          { repo: 'bat', status: 'clean', counts, key: 'results/bat/history/x.json', error: null },
        ],
      },
    ]);
    expect(calls.buildReport).toEqual([{}]);
    expect(output).toEqual({ status: 'incomplete', repositories: 3, alertsDelivered: 0, alertFailure: null, report: { uploaded: 12, deleted: 0, unchanged: 3 } });
  });

  it('retries a repository that fails once and keeps its result', async () => {
    let failures = 0;
    const { calls } = await execute(async ({ repo }) => {
      if (repo === 'bat' && failures++ === 0) throw new Error('throttled');
      return { repo, status: 'clean', counts, key: null, error: null };
    });
    expect((calls.finish[0] as { outcomes: { status: string }[] }).outcomes.map((o) => o.status)).toEqual(['clean', 'clean', 'clean']);
  });
});
