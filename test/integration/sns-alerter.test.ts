import type { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SnsAlerter } from '../../functions/adapters/sns-alerter.ts';
import { composeAlertMessages } from '../../functions/core/alert-message.ts';
import { AlertDeliveryError } from '../../functions/core/errors.ts';
import type { Alert } from '../../functions/core/ports.ts';
import type { Finding } from '../../functions/core/result.ts';
import { alertName, fixtureFindings, listedAlerts, manyAlerts } from '../helpers/alert-fixtures.ts';
import { snsClientFor, startSnsServer, TEST_TOPIC_ARN, type SnsServer } from '../helpers/sns-server.ts';

const SITE = 'https://deps.example.com';
const REPOSITORIES = ['api-gateway', 'billing', 'search', 'web'];

let server: SnsServer;
let client: SNSClient;
let findings: Map<string, Finding>;
const alert = (repository: string, crate: string): Alert => ({ repository, lockfile: 'Cargo.lock', finding: findings.get(crate)! });

/** The error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<AlertDeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AlertDeliveryError);
  return error as AlertDeliveryError;
}

beforeAll(async () => {
  [server, findings] = await Promise.all([startSnsServer({ topics: [TEST_TOPIC_ARN] }), fixtureFindings()]);
  client = snsClientFor(server);
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

beforeEach(() => {
  server.published.length = 0;
  server.requests.length = 0;
  server.failNext(0);
});

describe('SnsAlerter', () => {
  it('publishes one message with its subject, body and the severity and repositories attributes as SNS receives them', async () => {
    const alerts = [alert('api-gateway', 'h2'), alert('billing', 'hyper')];
    const configFile = 's3://ops-bucket/config/portfolio.toml';
    await new SnsAlerter({ client, topicArn: TEST_TOPIC_ARN, siteUrl: SITE, configFile }).send(alerts);

    const [expected] = composeAlertMessages(alerts, { siteUrl: SITE, configFile });
    expect(server.published).toHaveLength(1);
    const [message] = server.published;
    expect(message!.topicArn).toBe(TEST_TOPIC_ARN);
    expect(message!.subject).toBe('cratewatch: 1 critical, 1 high findings in billing, api-gateway');
    expect(message!.message).toBe(expected!.body);
    expect(message!.message).toContain('\n   report: https://deps.example.com/repos/billing/#f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27\n');
    expect(message!.message.endsWith('add an ignore with a reason to its repository in s3://ops-bucket/config/portfolio.toml.\n')).toBe(true);
    expect(message!.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      repositories: { DataType: 'String.Array', StringValue: '["billing","api-gateway"]' },
    });
    expect(server.requests.map((r) => [r.action, r.params.Version, r.status])).toEqual([['Publish', '2010-03-31', 200]]);
    expect(server.requests[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACKTEST\/\d{8}\/us-east-1\/sns\/aws4_request/);
  });

  it('sends nothing for no alerts', async () => {
    await new SnsAlerter({ client, topicArn: TEST_TOPIC_ARN, siteUrl: SITE }).send([]);
    expect(server.requests).toEqual([]);
  });

  it('names the alerts of the first message as delivered when the second of three fails, and a retry of the rest delivers each alert once', async () => {
    const alerts = manyAlerts(findings, 30, REPOSITORIES);
    const maxBytes = 6 * 1024;
    const alerter = new SnsAlerter({ client, topicArn: TEST_TOPIC_ARN, siteUrl: SITE, maxBytes });
    const planned = composeAlertMessages(alerts, { siteUrl: SITE, maxBytes });
    expect(planned).toHaveLength(3);

    server.failNext(1, 500, 1);
    const error = await rejection(alerter.send(alerts));
    expect(error.delivered).toEqual(planned[0]!.alerts);
    for (const [i, delivered] of error.delivered.entries()) expect(delivered).toBe(planned[0]!.alerts[i]);
    expect(error.message).toBe(
      `SNS topic ${TEST_TOPIC_ARN}: publishing alert message 2 of 3 failed (InternalErrorException (HTTP 500): Internal Error); ` +
        `of 30 alerts, the ${planned[0]!.alerts.length} in the earlier messages were accepted and are not sent again. ` +
        'The scan tries the rest again; if it keeps failing, check that the topic exists in this account and region and that the role may sns:Publish to it (and use its KMS key, if encrypted).',
    );
    expect((error.cause as Error).name).toBe('InternalErrorException');
    expect(server.requests.map((r) => r.status)).toEqual([200, 500]);
    expect(server.published.map((m) => m.subject)).toEqual([planned[0]!.subject]);

    const rest = alerts.filter((a) => !error.delivered.includes(a));
    await alerter.send(rest);
    const listed = server.published.flatMap((m) => listedAlerts(m.message));
    expect(listed).toHaveLength(30);
    expect(server.requests.map((r) => r.status)).toEqual([200, 500, 200, 200]);
    expect([...listed].sort()).toEqual(alerts.map(alertName).sort());
  });

  it('reports none delivered when SNS throttles the first message', async () => {
    server.failNext(1, 'throttle');
    const error = await rejection(new SnsAlerter({ client, topicArn: TEST_TOPIC_ARN, siteUrl: null }).send([alert('web', 'hyper')]));
    expect(error.delivered).toEqual([]);
    expect(error.message).toContain(`SNS topic ${TEST_TOPIC_ARN}: publishing alert message 1 of 1 failed (ThrottledException (HTTP 429): Rate exceeded); of 1 alert, none was accepted.`);
    expect(server.published).toEqual([]);
  });

  it('names the topic when it does not exist', async () => {
    const missing = `${TEST_TOPIC_ARN}-gone`;
    const error = await rejection(new SnsAlerter({ client, topicArn: missing, siteUrl: null }).send([alert('web', 'hyper')]));
    expect(error.message).toMatch(new RegExp(`^SNS topic ${missing}: publishing alert message 1 of 1 failed \\(NotFoundException \\(HTTP 404\\): Topic does not exist\\)`));
  });

  it('splits a large batch at the default size into messages SNS accepts under its 256 KiB limit', async () => {
    const alerts = manyAlerts(findings, 1200, REPOSITORIES);
    await new SnsAlerter({ client, topicArn: TEST_TOPIC_ARN, siteUrl: SITE }).send(alerts);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
    expect(server.published.length).toBeGreaterThan(1);
    for (const m of server.published) expect(m.bytes).toBeLessThanOrEqual(240 * 1024);
    expect(server.published.flatMap((m) => listedAlerts(m.message))).toEqual(composeAlertMessages(alerts, { siteUrl: SITE }).flatMap((m) => m.alerts.map(alertName)));
  });
});
