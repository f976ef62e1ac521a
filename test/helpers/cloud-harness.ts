// The whole cloud side on loopback for tests: S3 (s3rver behind the conditional-write proxy),
// SNS, and stand-ins for GitHub, the sparse index and the RustSec archive host, with the
// environment the Lambda handlers read pointing at them. The handlers are loaded after the
// environment is set (their AWS clients are made at import), and run in-process.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import type { ScanResult } from '../../functions/core/result.ts';
import { indexPath } from '../../functions/core/sparse-index.ts';
import { packAdvisoryArchive } from './advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from './archive-server.ts';
import { CLEAN_LOCK, fixtureText } from './fixtures.ts';
import { startGithubServer, type GithubServer } from './github-server.ts';
import { startIndexServer, type IndexServer } from './index-server.ts';
import { startS3Server, type S3Server } from './s3-server.ts';
import { startSnsServer, TEST_REGION, TEST_TOPIC_ARN, type SnsServer } from './sns-server.ts';

export const RESULTS_BUCKET = 'cratewatch-results';
export const SITE_BUCKET = 'cratewatch-site';
export const CONFIG_KEY = 'config/cratewatch.toml';


function indexLines(name: string, versions: string[]): string {
  return versions.map((vers) => `${JSON.stringify({ name, vers, deps: [], cksum: '0'.repeat(64), features: {}, yanked: false })}\n`).join('');
}

/** An index file for every crates.io package the fixture lockfiles lock: the locked version and a newer one. */
export function fixtureIndex(): Record<string, string> {
  const locked = new Map<string, Set<string>>();
  for (const text of [fixtureText('v3.Cargo.lock'), CLEAN_LOCK]) {
    for (const pkg of parseLockfile(text, 'fixture').packages) {
      if (pkg.source?.kind !== 'crates-io') continue;
      const versions = locked.get(pkg.name) ?? new Set<string>();
      versions.add(pkg.version);
      locked.set(pkg.name, versions);
    }
  }
  const files: Record<string, string> = {};
  for (const [name, versions] of locked) {
    const newer = [...versions].map((v) => v.replace(/\d+$/, (patch) => String(Number(patch) + 1)));
    files[indexPath(name)] = indexLines(name, [...versions, ...newer]);
  }
  return files;
}

export interface CloudHarness {
  s3: S3Server;
  sns: SnsServer;
  github: GithubServer;
  index: IndexServer;
  archive: ArchiveServer;
  /** The configuration's text, as uploaded to the bucket. */
  configText: string;
  /** A scratch folder, removed by `close`. */
  tmp: string;
  handlers: {
    prepare: (event: unknown) => Promise<{ runId: string; startedAt: string; dbRevision: string; repositories: { repo: string; runId: string; startedAt: string }[] }>;
    scanRepo: (event: unknown) => Promise<{ repo: string; status: string; key: string | null; error: string | null; stored: boolean }>;
    finish: (event: unknown) => Promise<{ status: string; repositories: number; alertsDelivered: number; alertFailure: string | null }>;
    scan: (event: unknown) => Promise<{ status: string; repositories: number; alertsDelivered: number; alertFailure: string | null }>;
    buildReport: (event: unknown) => Promise<{ uploaded: number; deleted: number; unchanged: number }>;
  };
  /** Replaces the configuration in the bucket (the handlers read it once per "container": this module instance). */
  close(): Promise<void>;
}

/** The portfolio: `app` (findings), `clean`, and `secret` (private: 404 without the token, so it fails). */
export function portfolioConfig(urls: { archive: string; index: string; github: string }): string {
  return `concurrency = 2
timeout_seconds = 5

[sources]
advisory_db = "${urls.archive}"
index = "${urls.index}"
github_api = "${urls.github}"

[alerts]
threshold = "high"

[site]
url = "https://deps.example.com"

[[repositories]]
name = "app"
github = "acme/app"

[[repositories]]
name = "clean"
github = "acme/clean"
branch = "trunk"

[[repositories]]
name = "secret"
github = "acme/secret"
`;
}

/** The environment of the deployed handlers, pointed at loopback S3 and SNS (the harness's buckets and topic). */
export function cloudEnvironment(endpoints: { s3: string; sns: string; work: string }): Record<string, string> {
  return {
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    // s3rver stores aws-chunked framing unless checksums are sent only when required.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_EC2_METADATA_DISABLED: 'true',
    CRATEWATCH_S3_FORCE_PATH_STYLE: '1',
    CRATEWATCH_BUCKET: RESULTS_BUCKET,
    CRATEWATCH_CONFIG: `s3://${RESULTS_BUCKET}/${CONFIG_KEY}`,
    CRATEWATCH_TOPIC_ARN: TEST_TOPIC_ARN,
    CRATEWATCH_SITE_BUCKET: SITE_BUCKET,
    CRATEWATCH_SITE_DIR: join(import.meta.dirname, '../../site'),
    CRATEWATCH_WORK_DIR: endpoints.work,
    POWERTOOLS_SERVICE_NAME: 'cratewatch',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}

/**
 * Starts every server, uploads the configuration and loads the handlers against them.
 * `env` is applied last, before the handlers load (e.g. to read the configuration from SSM).
 */
export async function startCloudHarness(env: Record<string, string> = {}): Promise<CloudHarness> {
  const tmp = await mkdtemp(join(tmpdir(), 'cratewatch-cloud-'));
  const [s3, sns, archive, index, github] = await Promise.all([
    startS3Server(),
    startSnsServer(),
    packAdvisoryArchive().then(startArchiveServer),
    startIndexServer(fixtureIndex()),
    startGithubServer(
      [
        { fullName: 'acme/app', files: { 'Cargo.lock': fixtureText('v3.Cargo.lock'), 'Cargo.toml': '[workspace]\nmembers = ["my-app", "my-lib"]\n' } },
        { fullName: 'acme/clean', defaultBranch: 'trunk', files: { 'Cargo.lock': CLEAN_LOCK, 'Cargo.toml': '[package]\nname = "clean-app"\n' } },
        { fullName: 'acme/secret', private: true, files: { 'Cargo.lock': CLEAN_LOCK } },
      ],
      { token: 'server-side-token' },
    ),
  ]);
  await s3.createBucket(RESULTS_BUCKET);
  await s3.createBucket(SITE_BUCKET);
  const configText = portfolioConfig({ archive: archive.url, index: index.url, github: github.url });
  const client = s3.client();
  await client.send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: CONFIG_KEY, Body: configText, ContentType: 'application/toml' }));
  client.destroy();

  Object.assign(process.env, cloudEnvironment({ s3: s3.endpoint, sns: sns.url, work: join(tmp, 'work') }));
  delete process.env.CRATEWATCH_PREFIX;
  delete process.env.CRATEWATCH_TOKEN_SECRET;
  Object.assign(process.env, env);

  const [prepare, scanRepo, finish, scan, buildReport] = await Promise.all([
    import('../../functions/handlers/prepare.ts'),
    import('../../functions/handlers/scan-repo.ts'),
    import('../../functions/handlers/finish.ts'),
    import('../../functions/handlers/scan.ts'),
    import('../../functions/handlers/build-report.ts'),
  ]);
  return {
    s3,
    sns,
    github,
    index,
    archive,
    configText,
    tmp,
    handlers: {
      prepare: prepare.handler,
      scanRepo: scanRepo.handler,
      finish: finish.handler,
      scan: scan.handler,
      buildReport: buildReport.handler,
    },
    async close() {
      await Promise.all([s3.close(), sns.close(), archive.close(), index.close(), github.close()]);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Runs prepare → every Map item through scan-repo (a failed item caught, as the state machine does) → finish. */
export async function runFanOut(harness: CloudHarness, input: unknown = {}): Promise<{ prepared: Awaited<ReturnType<CloudHarness['handlers']['prepare']>>; outcomes: unknown[]; finished: Awaited<ReturnType<CloudHarness['handlers']['finish']>> }> {
  const prepared = await harness.handlers.prepare(input);
  const outcomes: unknown[] = [];
  for (const item of prepared.repositories) {
    try {
      outcomes.push(await harness.handlers.scanRepo(item));
    } catch (error) {
      outcomes.push({ repo: item.repo, status: 'error', error: (error as Error).message });
    }
  }
  const finished = await harness.handlers.finish({ runId: prepared.runId, startedAt: prepared.startedAt, outcomes });
  return { prepared, outcomes, finished };
}

/** What must agree between two scans of the same inputs: everything but times and when the database was fetched. */
export function comparableResult(result: ScanResult): unknown {
  return { ...result, scannedAt: undefined, advisoryDb: { ...result.advisoryDb, fetchedAt: undefined }, diff: { ...result.diff, previousScanAt: undefined } };
}
