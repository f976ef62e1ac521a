// How long without a successful run is too long, for each kind of schedule expression.
import { describe, expect, it } from 'vitest';
import { staleAfterHours } from '../../infra/constructs/scan-alarms.ts';
import { synthStack, TEST_CONFIG } from './stack-fixture.ts';

describe('staleAfterHours', () => {
  it.each([
    ['rate(1 day)', 26],
    ['rate(3 days)', 74],
    ['rate(6 hours)', 26],
    ['rate(30 minutes)', 26],
    ['rate(36 hours)', 38],
    ['rate(7 days)', 168],
    ['rate(30 days)', 168],
    ['cron(0 6 * * ? *)', 26],
    ['cron(30 5 ? * * *)', 26],
    ['cron(0 6 ? * MON *)', 168],
    ['cron(0 6 1 * ? *)', 168],
    ['cron(0 6 * 1-6 ? *)', 168],
  ])('allows %s %i hours', (expression, hours) => {
    expect(staleAfterHours(expression)).toBe(hours);
  });

  it('sets no staleness alarm for a one-time at() schedule', () => {
    expect(staleAfterHours('at(2030-01-01T00:00:00)')).toBe(undefined);
    const { template } = synthStack({ configText: TEST_CONFIG.replace('cron(30 5 * * ? *)', 'at(2030-01-01T00:00:00)') });
    const metrics = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName as string);
    expect(metrics).not.toContain('ExecutionsSucceeded');
    expect(metrics).toContain('ExecutionsFailed');
  });
});
