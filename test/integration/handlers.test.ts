// The Lambda handlers in-process against the cloud on loopback (s3rver behind the
// conditional-write proxy, a loopback SNS, GitHub/index/archive stand-ins), fed real event
// payloads: the fan-out run stores what a local `cratewatch scan` stores for the same
// inputs, alerts once, re-runs cheaply, and survives S3 and SNS faults without losing
// history or sending an alert twice.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../functions/app/version.ts';
import type { ScanResult, SummaryIndex } from '../../functions/core/result.ts';
import { etagOf } from '../helpers/index-server.ts';
import { comparableResult, fixtureIndex, RESULTS_BUCKET, runFanOut, SITE_BUCKET, startCloudHarness, type CloudHarness } from '../helpers/cloud-harness.ts';
import { assertValidResult, assertValidSummary } from '../helpers/result-schema.ts';
import { runCli } from '../helpers/run-cli.ts';
import { TEST_TOPIC_ARN } from '../helpers/sns-server.ts';

const scheduledEvent = JSON.parse(await readFile(join(import.meta.dirname, '../fixtures/events/eventbridge-scheduled-event.json'), 'utf8')) as Record<string, unknown>;
const mapItem = JSON.parse(await readFile(join(import.meta.dirname, '../fixtures/events/step-functions-map-item.json'), 'utf8')) as Record<string, unknown>;

let cloud: CloudHarness;

async function keys(bucket: string, prefix = ''): Promise<string[]> {
  const client = cloud.s3.client();
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    found.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return found.sort();
}

async function object<T>(key: string, bucket = RESULTS_BUCKET): Promise<T> {
  const response = await cloud.s3.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await response.Body!.transformToString()) as T;
}

beforeAll(async () => {
  cloud = await startCloudHarness();
}, 60_000);
afterAll(async () => {
  await cloud?.close();
});

describe('the fan-out run (prepare → scan-repo per item → finish) on a scheduled event', () => {
  let first: Awaited<ReturnType<typeof runFanOut>>;
  let firstIndexRequests: number;
  let firstS3Requests: number;

  beforeAll(async () => {
    const before = cloud.s3.requests.length;
    first = await runFanOut(cloud, structuredClone(scheduledEvent));
    firstS3Requests = cloud.s3.requests.length - before;
    firstIndexRequests = cloud.index.requests.length;
  }, 60_000);

  it('returns one small Map item per configured repository from prepare, with the run id and start time', () => {
    expect(first.prepared.repositories.map((r) => r.repo)).toEqual(['app', 'clean', 'secret']);
    for (const item of first.prepared.repositories) expect(item).toEqual({ repo: item.repo, runId: first.prepared.runId, startedAt: first.prepared.startedAt });
    expect(first.prepared.dbRevision).toBe('0123456789abcdef0123456789abcdef01234567');
  });

  it('returns small scan-repo outcomes naming the history object, and records the unreadable repository as an error', () => {
    const outcomes = first.outcomes as { repo: string; status: string; key: string; stored: boolean; error: string | null }[];
    expect(outcomes.map((o) => [o.repo, o.status, o.stored])).toEqual([
      ['app', 'failing', true],
      ['clean', 'clean', true],
      ['secret', 'error', true],
    ]);
    expect(outcomes[0]!.key).toMatch(/^results\/app\/history\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.json$/);
    expect(outcomes[2]!.error).toContain('acme/secret');
    for (const outcome of outcomes) expect(JSON.stringify(outcome).length).toBeLessThan(2_000);
  });

  it('writes the layout of the local store to the bucket, as application/json, with a summary of every repository', async () => {
    const stored = await keys(RESULTS_BUCKET, 'results/');
    for (const repo of ['app', 'clean', 'secret']) {
      expect(stored).toContain(`results/${repo}/latest.json`);
      expect(stored.filter((k) => k.startsWith(`results/${repo}/history/`))).toHaveLength(1);
    }
    const head = await cloud.s3.client().send(new HeadObjectCommand({ Bucket: RESULTS_BUCKET, Key: 'results/app/latest.json' }));
    expect(head.ContentType).toBe('application/json');
    const summary = await object<SummaryIndex>('results/index.json');
    assertValidSummary(summary);
    expect(summary.repositories.map((r) => [r.name, r.status])).toEqual([
      ['app', 'failing'],
      ['clean', 'clean'],
      ['secret', 'error'],
    ]);
    assertValidResult(await object<ScanResult>('results/app/latest.json'));
    expect(first.finished).toEqual({ status: 'incomplete', repositories: 3, alertsDelivered: 2, alertFailure: null });
  });

  it('publishes one SNS message for the high-or-worse findings, with its fix and a link to the report', () => {
    expect(cloud.sns.published).toHaveLength(1);
    const message = cloud.sns.published[0]!;
    expect(message.topicArn).toBe(TEST_TOPIC_ARN);
    expect(message.subject).toBe('cratewatch: 1 critical, 1 high findings in app');
    expect(message.message).toContain('cargo update -p hyper@0.14.27 --precise 0.14.28');
    expect(message.message).toContain('https://deps.example.com/repos/app/#');
    expect(message.attributes.severity).toEqual({ DataType: 'String', StringValue: 'critical' });
    expect(message.attributes.repositories).toEqual({ DataType: 'String.Array', StringValue: '["app"]' });
  });

  it('stores the same results as a local `cratewatch scan` of the same inputs', async () => {
    const config = join(cloud.tmp, 'local.toml');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(config, cloud.configText);
    const local = await runCli(['scan', '--config', config, '--out', join(cloud.tmp, 'local'), '--no-report'], { cwd: cloud.tmp });
    expect(local.code).toBe(3);
    for (const repo of ['app', 'clean', 'secret']) {
      const here = JSON.parse(await readFile(join(cloud.tmp, 'local', 'results', repo, 'latest.json'), 'utf8')) as ScanResult;
      const there = await object<ScanResult>(`results/${repo}/latest.json`);
      expect(comparableResult(there)).toEqual(comparableResult(here));
    }
  }, 60_000);

  it('keeps the database compiled in the bucket once, for the scan-repo units to restore instead of parsing', async () => {
    const compiled = await keys(RESULTS_BUCKET, 'cache/advisory-db/compiled/');
    expect(compiled).toHaveLength(1);
    const snapshot = await object<{ revision: string; producer: string }>(compiled[0]!);
    expect(snapshot.producer).toBe(TOOL_VERSION);
  });

  it('runs again with no alert, asking the index conditionally for each crate once, with S3 requests that do not grow with crates', async () => {
    cloud.index.reset();
    const before = cloud.s3.requests.length;
    const second = await runFanOut(cloud, {});
    expect(second.finished.alertsDelivered).toBe(0);
    expect(cloud.sns.published).toHaveLength(1);
    // prepare refreshed every crate once (conditionally); the scan-repo units asked nothing.
    const paths = cloud.index.requests.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    // Each asked with the ETag of the file as served: answered 304, no body.
    const files = fixtureIndex();
    expect(cloud.index.requests.map((r) => r.headers['if-none-match'])).toEqual(cloud.index.requests.map((r) => etagOf(files[r.path.replace(/^\//, '')]!)));
    expect(paths.length).toBe(Object.keys(files).length);
    const secondS3 = cloud.s3.requests.length - before;
    // Per run: a handful per repository and a handful per step, whatever the number of crates.
    expect(secondS3).toBeLessThanOrEqual(12 * 3 + 30);
    expect(firstS3Requests).toBeLessThanOrEqual(12 * 3 + 30);
    expect(firstIndexRequests).toBeGreaterThan(0);
  }, 60_000);
});

describe('scan-repo on a direct invocation and on a Map item', () => {
  it('scans the repository named by a Map item', async () => {
    const item = structuredClone(mapItem);
    item.startedAt = new Date().toISOString();
    const outcome = await cloud.handlers.scanRepo(item);
    expect([outcome.repo, outcome.status, outcome.stored]).toEqual(['app', 'failing', true]);
  });

  it('rejects an item without a repository, naming the field', async () => {
    await expect(cloud.handlers.scanRepo({ runId: 'x' })).rejects.toThrow('scan-repo input: field `repo` is required (the name of a configured repository)');
  });

  it('rejects an unknown repository with the configured names', async () => {
    await expect(cloud.handlers.scanRepo({ repo: 'ap' })).rejects.toThrow('no repository is named "ap"; did you mean "app"?');
  });
});

describe('faults', () => {
  it('keeps the history and a consistent latest when S3 fails the latest.json write, and the retried item completes', async () => {
    const historyBefore = (await keys(RESULTS_BUCKET, 'results/clean/history/')).length;
    // More 500s than the SDK's three attempts: the unit fails after its history object is written.
    cloud.s3.failNext(3, { method: 'PUT', keyPattern: /^cratewatch-results\/results\/clean\/latest\.json$|^results\/clean\/latest\.json$/ });
    await expect(cloud.handlers.scanRepo({ repo: 'clean' })).rejects.toThrow(/could not be stored/);
    expect((await keys(RESULTS_BUCKET, 'results/clean/history/')).length).toBe(historyBefore + 1);
    const retried = await cloud.handlers.scanRepo({ repo: 'clean' });
    expect(retried.stored).toBe(true);
    const history = await keys(RESULTS_BUCKET, 'results/clean/history/');
    expect(history.length).toBe(historyBefore + 2);
    const latest = await object<ScanResult>('results/clean/latest.json');
    expect(latest.scannedAt.replaceAll(':', '-')).toBe(history.at(-1)!.slice('results/clean/history/'.length, -'.json'.length));
  }, 60_000);

  it('retries finish after SNS refused every publish, and delivers the alert exactly once', async () => {
    // A new finding: the clean repository now locks the vulnerable hyper.
    const published = cloud.sns.published.length;
    await cloud.handlers.scanRepo({ repo: 'clean' });
    // Give `clean` app's lockfile findings: new identities, due for alerting.
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const latest = await object<ScanResult>('results/clean/latest.json');
    const app = await object<ScanResult>('results/app/latest.json');
    const injected = { ...latest, lockfiles: app.lockfiles, status: app.status, counts: app.counts };
    await cloud.s3.client().send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: 'results/clean/latest.json', Body: JSON.stringify(injected), ContentType: 'application/json' }));
    cloud.sns.failNext(100, 500);
    await expect(cloud.handlers.finish({ runId: 'fault-run', outcomes: [] })).rejects.toThrow(/could not be delivered after 3 attempts/);
    expect(cloud.sns.published.length).toBe(published);
    cloud.sns.failNext(0);
    const retried = await cloud.handlers.finish({ runId: 'fault-run', outcomes: [] });
    expect(retried.alertsDelivered).toBe(2);
    const again = await cloud.handlers.finish({ runId: 'fault-run-2', outcomes: [] });
    expect(again.alertsDelivered).toBe(0);
    expect(cloud.sns.published.slice(published).map((m) => m.subject)).toEqual(['cratewatch: 1 critical, 1 high findings in clean']);
  }, 60_000);
});

describe('the scan handler (the whole portfolio in one invocation)', () => {
  it('scans every repository and answers like finish', async () => {
    const output = await cloud.handlers.scan(structuredClone(scheduledEvent));
    // `secret` cannot be read (incomplete); nothing new is due.
    expect(output).toEqual({ status: 'incomplete', repositories: 3, alertsDelivered: 0, alertFailure: null });
  }, 60_000);
});

describe('build-report', () => {
  it('builds the site from the bucket and syncs it: pages and hashed assets with their types, then nothing on a rebuild', async () => {
    const first = await cloud.handlers.buildReport({});
    expect(first.uploaded).toBeGreaterThan(10);
    const site = await keys(SITE_BUCKET);
    expect(site).toContain('index.html');
    expect(site).toContain('repos/app/index.html');
    const head = await cloud.s3.client().send(new HeadObjectCommand({ Bucket: SITE_BUCKET, Key: 'index.html' }));
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    const asset = site.find((k) => k.startsWith('_astro/'));
    if (asset) {
      const assetHead = await cloud.s3.client().send(new HeadObjectCommand({ Bucket: SITE_BUCKET, Key: asset }));
      expect(assetHead.CacheControl).toBe('public, max-age=31536000, immutable');
    }
    const second = await cloud.handlers.buildReport({});
    expect(second.uploaded).toBeLessThan(first.uploaded);
    expect(second.deleted).toBe(0);
  }, 120_000);
});

describe('two overlapping runs on one bucket', () => {
  it('deliver each new alert once between them and leave a consistent store', async () => {
    // New due alerts: `clean` gets app's findings again (the ledger forgot them when they were resolved).
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const app = await object<ScanResult>('results/app/latest.json');
    const clean = await object<ScanResult>('results/clean/latest.json');
    await cloud.s3.client().send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: 'results/clean/latest.json', Body: JSON.stringify({ ...clean, lockfiles: app.lockfiles }), ContentType: 'application/json' }));
    const published = cloud.sns.published.length;
    const [one, two] = await Promise.all([cloud.handlers.finish({ runId: 'overlap-1', outcomes: [] }), cloud.handlers.finish({ runId: 'overlap-2', outcomes: [] })]);
    expect(one.alertsDelivered + two.alertsDelivered).toBe(2);
    const subjects = cloud.sns.published.slice(published).map((m) => m.subject);
    expect(subjects).toEqual(['cratewatch: 1 critical, 1 high findings in clean']);
    const ledger = await object<{ claims: unknown[]; delivered: Record<string, { repository: string }> }>('state/alert-ledger.json');
    expect(ledger.claims).toEqual([]);
    expect(Object.values(ledger.delivered).filter((e) => e.repository === 'clean')).toHaveLength(2);
  }, 60_000);

  it('keep every history object of two fan-out runs at once, with latest the newest', async () => {
    const before = (await keys(RESULTS_BUCKET, 'results/app/history/')).length;
    const runs = await Promise.all([runFanOut(cloud, { repos: ['app'] }), runFanOut(cloud, { repos: ['app'] })]);
    expect(runs.flatMap((r) => r.outcomes)).toEqual([expect.objectContaining({ repo: 'app', stored: true }), expect.objectContaining({ repo: 'app', stored: true })]);
    const history = await keys(RESULTS_BUCKET, 'results/app/history/');
    expect(history.length).toBe(before + 2);
    const latest = await object<ScanResult>('results/app/latest.json');
    const newest = (await Promise.all(history.map((k) => object<ScanResult>(k)))).map((r) => r.scannedAt).sort().at(-1);
    expect(latest.scannedAt).toBe(newest);
  }, 60_000);
});
