// The scheduled run as a Step Functions state machine: prepare the caches → one scan-repo per
// repository (a Map with bounded concurrency, retries, and each failure caught and recorded
// as that repository's outcome) → finish (summary and alerts) → build the report site.
// EventBridge Scheduler starts it on the configured schedule.
import { Duration, RemovalPolicy, TimeZone, Validations } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Errors, JitterType, JsonPath, LogLevel, Map as MapState, Pass, StateMachine, StateMachineType, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeArnWildcard } from './nag.ts';

export interface ScanWorkflowProps {
  prepare: LambdaFunction;
  scanRepo: LambdaFunction;
  finish: LambdaFunction;
  buildReport: LambdaFunction;
  /** Repositories scanned at once ([concurrency] in cratewatch.toml). */
  maxConcurrency: number;
  schedule: { expression: string; timezone: string };
  /** Where the schedule puts start requests that failed every retry. */
  deadLetterQueue: IQueue;
  logRetention: RetentionDays;
}

/** The state names, as they appear in the console and in the definition. */
export const STATES = {
  prepare: 'Prepare',
  map: 'ScanRepositories',
  scanRepo: 'ScanRepository',
  recordFailure: 'RecordFailure',
  finish: 'Finish',
  buildReport: 'BuildReport',
} as const;

/** A task gives up a little after its function would have: a hung invocation fails the task instead of the run's two hours. */
function taskTimeout(fn: LambdaFunction): Timeout {
  return Timeout.duration((fn.timeout ?? Duration.seconds(3)).plus(Duration.seconds(30)));
}

export class ScanWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: ScanWorkflowProps) {
    super(scope, id);
    // payloadResponseOnly: the task's result is the handler's return value, nothing more.
    const prepare = new LambdaInvoke(this, STATES.prepare, {
      lambdaFunction: props.prepare,
      payloadResponseOnly: true,
      taskTimeout: taskTimeout(props.prepare),
      comment: 'Refresh the advisory archive and index caches; list the repositories',
    }).addRetry({ errors: [Errors.ALL], interval: Duration.seconds(10), maxAttempts: 2, backoffRate: 2, jitterStrategy: JitterType.FULL });

    // A repository that fails every attempt is recorded, not fatal: finish reports it.
    const recordFailure = new Pass(this, STATES.recordFailure, {
      parameters: { 'repo.$': '$.repo', status: 'error', 'error.$': "States.Format('{}: {}', $.failure.Error, $.failure.Cause)" },
    });
    const scanRepo = new LambdaInvoke(this, STATES.scanRepo, { lambdaFunction: props.scanRepo, payloadResponseOnly: true, taskTimeout: taskTimeout(props.scanRepo), comment: 'Scan one repository; returns its small outcome' })
      .addRetry({ errors: [Errors.ALL], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2, maxDelay: Duration.minutes(1), jitterStrategy: JitterType.FULL })
      .addCatch(recordFailure, { errors: [Errors.ALL], resultPath: '$.failure' });
    const map = new MapState(this, STATES.map, {
      itemsPath: '$.repositories',
      maxConcurrency: props.maxConcurrency,
      resultPath: '$.outcomes',
      comment: 'One scan-repo per repository; items and outcomes carry keys and counts, never whole results',
    }).itemProcessor(scanRepo);

    // Finish replaces the state with its own small output, so the run's output stays small.
    const finish = new LambdaInvoke(this, STATES.finish, {
      lambdaFunction: props.finish,
      payloadResponseOnly: true,
      taskTimeout: taskTimeout(props.finish),
      payload: TaskInput.fromObject({ runId: JsonPath.stringAt('$.runId'), startedAt: JsonPath.stringAt('$.startedAt'), outcomes: JsonPath.listAt('$.outcomes') }),
      comment: 'Rebuild results/index.json and deliver due alerts',
    }).addRetry({ errors: [Errors.ALL], interval: Duration.seconds(30), maxAttempts: 3, backoffRate: 2, jitterStrategy: JitterType.FULL });

    const buildReport = new LambdaInvoke(this, STATES.buildReport, {
      lambdaFunction: props.buildReport,
      payloadResponseOnly: true,
      taskTimeout: taskTimeout(props.buildReport),
      payload: TaskInput.fromObject({}),
      resultPath: '$.report',
      comment: 'Build the report site and sync it to the site bucket',
    }).addRetry({ errors: [Errors.ALL], interval: Duration.seconds(30), maxAttempts: 1, backoffRate: 2 });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(prepare.next(map).next(finish).next(buildReport)),
      stateMachineType: StateMachineType.STANDARD,
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
      comment: 'cratewatch scheduled scan',
    });

    const role = this.stateMachine.role;
    for (const fn of [props.prepare, props.scanRepo, props.finish, props.buildReport]) {
      acknowledgeArnWildcard(role, fn, ':*', "aws-cdk-lib's Lambda task grant: the function and its versions and aliases (ARN:*), nothing else.");
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing (xray:PutTraceSegments and friends) and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) accept only Resource "*".',
    });

    this.schedule = new Schedule(this, 'Schedule', {
      schedule: ScheduleExpression.expression(props.schedule.expression, TimeZone.of(props.schedule.timezone)),
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
      description: 'cratewatch: starts the scan ([schedule] in cratewatch.toml)',
    });
  }
}
