// Alarms that tell the alerts topic when cratewatch itself is unwell: a function erred, a run
// failed or timed out, failed asynchronous events piled up, or no run succeeded for longer
// than the schedule allows (a silent scanner looks exactly like a clean portfolio).
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** CloudWatch looks back at most 7 days (168 hourly periods). */
const MAX_WINDOW_HOURS = 7 * 24;
/** Slack for a run's own duration beyond the schedule's interval. */
const SLACK_HOURS = 2;

/**
 * How many hours without a successful run mean something is wrong, for a schedule
 * expression: the interval plus slack, at least a day (so daily runs alarm after 26 hours).
 * `undefined` for a one-time `at(…)` schedule, which has nothing to miss.
 */
export function staleAfterHours(expression: string): number | undefined {
  if (expression.startsWith('at(')) return undefined;
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  let interval = 24;
  if (rate) {
    const count = Number(rate[1]);
    interval = rate[2] === 'day' ? count * 24 : rate[2] === 'hour' ? count : count / 60;
  } else {
    // cron(minutes hours day-of-month month day-of-week year): any day restriction → up to a week apart.
    const fields = expression.slice(5, -1).trim().split(/\s+/);
    const everyDay = (f: string | undefined) => f === '*' || f === '?';
    if (!(everyDay(fields[2]) && everyDay(fields[3]) && everyDay(fields[4]))) interval = MAX_WINDOW_HOURS;
  }
  return Math.min(MAX_WINDOW_HOURS, Math.max(24, Math.ceil(interval)) + SLACK_HOURS);
}

export interface ScanAlarmsProps {
  topic: ITopic;
  functions: readonly IFunction[];
  stateMachine: StateMachine;
  failedInvocations: IQueue;
  scheduleExpression: string;
}

export class ScanAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScanAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const atLeastOnce = (alarmId: string, metric: IMetric, description: string) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    };

    for (const fn of props.functions) {
      atLeastOnce(`FunctionErrors${fn.node.id}`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), `A cratewatch function failed (${fn.node.id}); see its log group`);
    }
    atLeastOnce('ExecutionsFailed', props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }), 'A cratewatch scan run failed; see the state machine execution');
    atLeastOnce('ExecutionsTimedOut', props.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }), 'A cratewatch scan run timed out; see the state machine execution');
    atLeastOnce(
      'FailedInvocations',
      props.failedInvocations.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      'Asynchronous invocations or scheduled starts of cratewatch failed every retry; their events are in the failed-invocations queue',
    );

    const hours = staleAfterHours(props.scheduleExpression);
    if (hours !== undefined) {
      // Hourly sums, every one of them missing or zero: no success in the whole window.
      const alarm = new Alarm(this, 'NoRecentSuccess', {
        metric: props.stateMachine.metricSucceeded({ period: Duration.hours(1), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
        alarmDescription: `No cratewatch scan run succeeded in ${hours} hours: the results and the site are getting old`,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    }
  }
}
