// Where the handlers get their settings: the configuration from an SSM parameter and the
// GitHub token from a Secrets Manager secret (loopback stand-ins), read once per cold start;
// the token opens the private repository and appears in no log line, no stored object, no
// alert, no handler output and no page of the built site.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { portfolioConfig, RESULTS_BUCKET, runFanOut, SITE_BUCKET, startCloudHarness, type CloudHarness } from '../helpers/cloud-harness.ts';
import { startParameterServer, type ParameterServer } from '../helpers/parameter-server.ts';

const TOKEN = 'server-side-token';
let cloud: CloudHarness;
let parameters: ParameterServer;
const logged: string[] = [];

beforeAll(async () => {
  // Read at each request: the configuration is put in place once the servers it names are up.
  const ssm: Record<string, string> = {};
  parameters = await startParameterServer(ssm, { 'cratewatch/tokens': JSON.stringify({ github: TOKEN }) });
  cloud = await startCloudHarness({
    AWS_ENDPOINT_URL_SSM: parameters.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: parameters.url,
    CRATEWATCH_CONFIG: 'ssm:/cratewatch/config',
    CRATEWATCH_TOKEN_SECRET: 'cratewatch/tokens',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  // The same text as the harness uploads to the bucket, which names no token: the GitHub stand-in wants the secret's.
  ssm['/cratewatch/config'] = portfolioConfig({ archive: cloud.archive.url, index: cloud.index.url, github: cloud.github.url });
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged.push(String(chunk));
    return rest.length === 0 ? true : write(chunk, ...(rest as []));
  });
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await parameters?.close();
  await cloud?.close();
});

describe('handler settings from SSM and Secrets Manager', () => {
  it('reads the configuration parameter and the token secret once, and the token opens the private repository', async () => {
    const secret = await cloud.handlers.scanRepo({ repo: 'secret' });
    expect([secret.repo, secret.status, secret.error]).toEqual(['secret', 'clean', null]);
    await cloud.handlers.scanRepo({ repo: 'app' });
    expect(parameters.requests.map((r) => [r.target, r.body.Name ?? r.body.SecretId, r.body.WithDecryption ?? null])).toEqual([
      ['AmazonSSM.GetParameter', '/cratewatch/config', true],
      ['secretsmanager.GetSecretValue', 'cratewatch/tokens', null],
    ]);
    const authorized = cloud.github.requests.filter((r) => r.headers.authorization !== undefined);
    expect(authorized.length).toBeGreaterThan(0);
  }, 60_000);

  // Before the checks of the logs and the results bucket below, so that they cover this run's steps too.
  it('answers, alerts and builds the report without the token: handler outputs, SNS messages, the site bucket', async () => {
    const run = await runFanOut(cloud);
    expect(run.prepared.repositories.map((r) => r.repo).sort()).toEqual(['app', 'clean', 'secret']);
    expect(JSON.stringify(run)).not.toContain(TOKEN);
    expect(cloud.sns.published.length).toBeGreaterThan(0);
    for (const message of cloud.sns.published) expect(JSON.stringify(message)).not.toContain(TOKEN);
    const report = await cloud.handlers.buildReport({});
    expect(report.uploaded).toBeGreaterThan(10);
    const client = cloud.s3.client();
    const listing = await client.send(new ListObjectsV2Command({ Bucket: SITE_BUCKET }));
    expect(listing.Contents?.length).toBe(report.uploaded);
    for (const { Key } of listing.Contents ?? []) {
      const body = await (await client.send(new GetObjectCommand({ Bucket: SITE_BUCKET, Key }))).Body!.transformToString('latin1');
      expect({ Key, leaked: body.includes(TOKEN) }).toEqual({ Key, leaked: false });
    }
  }, 180_000);

  it('logs structured JSON lines with static messages, and never the token', async () => {
    const lines = logged.join('').split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    const messages = new Set(lines.map((l) => (JSON.parse(l) as { message: string }).message));
    expect(messages.has('repository scanned')).toBe(true);
    expect(logged.join('')).not.toContain(TOKEN);
  });

  it('stores no object that contains the token', async () => {
    const client = cloud.s3.client();
    const listing = await client.send(new ListObjectsV2Command({ Bucket: RESULTS_BUCKET }));
    for (const { Key } of listing.Contents ?? []) {
      const body = await (await client.send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key }))).Body!.transformToString('latin1');
      expect({ Key, leaked: body.includes(TOKEN) }).toEqual({ Key, leaked: false });
    }
  });
});
