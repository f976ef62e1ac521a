// Benchmark of the cloud run on loopback: the scan benchmark's portfolio (100 repositories ×
// 300 packages, loopback GitHub, index and archive host) scanned by the Lambda handlers as
// the state machine runs them (prepare → scan-repo per Map item, 8 at once → finish) against
// s3rver and a loopback SNS, twice; then build-report once, and the bundles' size and cold
// import time. The handlers run in a child process (test/bench/cloud-worker.ts) with the
// environment a deployment gives them. Standalone: `node test/bench/cloud-bench.ts`.
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { INDEX_PACK_KEY } from '../../functions/app/object-http-cache.ts';
import { BUNDLE_FILE, BUNDLED_HANDLERS } from '../../infra/bundling.ts';
import { packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer } from '../helpers/archive-server.ts';
import { cloudEnvironment, CONFIG_KEY, RESULTS_BUCKET, SITE_BUCKET } from '../helpers/cloud-harness.ts';
import { startGithubServer } from '../helpers/github-server.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { startS3Server, type S3Server } from '../helpers/s3-server.ts';
import { startSnsServer, TEST_REGION, type SnsServer } from '../helpers/sns-server.ts';
import { type BenchTable, PEAK_RSS, runAlone, SECOND_RUN, type Section } from './bench-table.ts';
import type { StepMessage } from './cloud-worker.ts';
import { benchConfig, benchPortfolio, PACKAGES, REPOSITORIES } from './scan-bench.ts';
import { folderSize } from './site-bench.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORKER = join(import.meta.dirname, 'cloud-worker.ts');
/** Node 24 from node_modules, as Lambda's nodejs24.x runtime. */
const NODE = join(ROOT, 'node_modules/.bin/node');
const DIST = join(ROOT, 'dist');
/** The Map's MaxConcurrency (the portfolio's `concurrency`). */
const MAP_CONCURRENCY = 8;
/** No child may run longer than this: the bench stays bounded even if a handler hangs. */
const CHILD_TIMEOUT_MS = 10 * 60_000;
const IMPORT_RUNS = 5;
const KiB = 1024;
const MiB = 1024 * 1024;
/** The worker reports MiB; the table's memory figures are MB (10^6 bytes), as Lambda's memory sizes. */
const MB = (mib: number) => (mib * MiB) / 1e6;
const BENCH_TARGET = 'cloud bench';
const CLOUD = `Cloud fan-out on loopback (${REPOSITORIES} repositories × ${PACKAGES} packages; handlers in one process against s3rver and a loopback SNS)`;

interface Servers {
  s3: S3Server;
  sns: SnsServer;
  index: IndexServer;
}

/** What the servers had seen at one moment; the difference of two is what happened between them. */
interface Counters {
  s3: number;
  index: number;
  indexBytes: number;
  snsMessages: number;
  snsBytes: number;
}

function countersOf({ s3, sns, index }: Servers): Counters {
  const wire = index.wireBytes();
  return { s3: s3.requests.length, index: index.requests.length, indexBytes: wire.read + wire.written, snsMessages: sns.published.length, snsBytes: sns.published.reduce((sum, m) => sum + m.bytes, 0) };
}

function minus(after: Counters, before: Counters): Counters {
  return { s3: after.s3 - before.s3, index: after.index - before.index, indexBytes: after.indexBytes - before.indexBytes, snsMessages: after.snsMessages - before.snsMessages, snsBytes: after.snsBytes - before.snsBytes };
}

interface Step extends StepMessage {
  /** What the servers saw during the step. */
  counters: Counters;
}

/** Runs the worker in `mode` and gives each step with what the servers saw during it. */
function runWorker(args: string[], env: NodeJS.ProcessEnv, servers: Servers): Promise<Step[]> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(WORKER, args, { env, execPath: process.execPath, execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const steps: Step[] = [];
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    let last = countersOf(servers);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cloud bench: worker ${args.join(' ')} ran over ${CHILD_TIMEOUT_MS / 60_000} minutes and was killed\n${output.slice(-2000)}`));
    }, CHILD_TIMEOUT_MS);
    child.on('message', (message) => {
      const now = countersOf(servers);
      steps.push({ ...(message as StepMessage), counters: minus(now, last) });
      last = now;
      child.send('go');
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(steps);
      else reject(new Error(`cloud bench: worker ${args.join(' ')} exited (code ${code}, signal ${signal}):\n${output.slice(-4000)}`));
    });
  });
}

function stepOf(steps: readonly Step[], name: string): Step {
  const found = steps.find((s) => s.step === name);
  if (!found) throw new Error(`cloud bench: the worker reported no step "${name}" (got ${steps.map((s) => s.step).join(', ')})`);
  return found;
}

function sum(steps: readonly Step[], pick: (c: Counters) => number): number {
  return steps.reduce((total, s) => total + pick(s.counters), 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Records one fan-out run; returns its steps without the import. */
function recordRun(table: BenchTable, label: string, steps: readonly Step[]): Step[] {
  const section = table.section(CLOUD);
  const run = steps.filter((s) => s.step !== 'import');
  const [prepare, map, finish] = [stepOf(steps, 'prepare'), stepOf(steps, 'map'), stepOf(steps, 'finish')];
  const mapDetail = map.detail as { statuses: Record<string, number>; firstError: string | null; itemMedianMs: number; itemMaxMs: number };
  const finished = finish.detail as { status: string; repositories: number; alertsDelivered: number };
  section.figure(`${label}: prepare → scan-repo (${MAP_CONCURRENCY} at once) → finish`, run.reduce((t, s) => t + s.ms, 0) / 1000, 's', { max: 30, from: BENCH_TARGET });
  section.figure('  handlers import in the fresh process (not in the run time)', stepOf(steps, 'import').ms, 'ms');
  section.figure('  prepare', prepare.ms / 1000, 's');
  section.figure(`  Map: ${REPOSITORIES} scan-repo items, ${MAP_CONCURRENCY} at once`, map.ms / 1000, 's');
  section.figure('    one item, median', mapDetail.itemMedianMs, 'ms');
  section.figure('    one item, slowest', mapDetail.itemMaxMs, 'ms');
  section.figure('  finish', finish.ms / 1000, 's');
  section.text('  Map outcomes', Object.entries(mapDetail.statuses).map(([s, n]) => `${n} ${s}`).join(', '));
  section.figure(`  finish: ${finished.status}, ${finished.repositories} repositories; alerts delivered`, finished.alertsDelivered, 'alerts');
  if (mapDetail.firstError) section.text('  note: a Map item failed', mapDetail.firstError.slice(0, 300));
  const s3 = sum(run, (c) => c.s3);
  section.figure(`  S3 requests (prepare ${prepare.counters.s3}, Map ${map.counters.s3}, finish ${finish.counters.s3})`, s3, 'requests');
  section.figure('  S3 requests per repository', s3 / REPOSITORIES, 'requests');
  section.figure(`  index requests (prepare ${prepare.counters.index}, Map ${map.counters.index}, finish ${finish.counters.index})`, sum(run, (c) => c.index), 'requests');
  section.figure('  index bytes on the wire (both ways, headers included)', sum(run, (c) => c.indexBytes) / KiB, 'KiB');
  const rss = table.section(PEAK_RSS);
  rss.figure(`cloud fan-out, ${label}: one process, ${MAP_CONCURRENCY} Map items at once (a Lambda runs one)`, MB(finish.peakRssMiB), 'MB');
  rss.text('  after import / prepare / the Map', [stepOf(steps, 'import'), prepare, map].map((s) => `${MB(s.peakRssMiB).toFixed(0)} MB`).join(' / '));
  return run;
}

async function objectBytes(s3: S3Server, key: string): Promise<number | undefined> {
  try {
    return (await s3.client().send(new HeadObjectCommand({ Bucket: RESULTS_BUCKET, Key: key }))).ContentLength;
  } catch {
    return undefined;
  }
}

/** The bundle imported by a fresh Node 24, IMPORT_RUNS times: the milliseconds of each import. */
async function coldImportMs(bundle: string): Promise<number[]> {
  const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const { stdout } = await promisify(execFile)(NODE, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: TEST_REGION, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      timeout: 60_000,
    });
    const ms = Number(stdout.trim().split('\n').at(-1));
    if (!Number.isFinite(ms)) throw new Error(`the import printed ${JSON.stringify(stdout.slice(0, 200))}, not milliseconds`);
    times.push(ms);
  }
  return times;
}

async function benchBundles(table: BenchTable): Promise<void> {
  const section = table.section('Lambda bundles (dist/)');
  const scanBundle = join(DIST, 'lambda', 'scan', BUNDLE_FILE);
  if (!existsSync(scanBundle)) {
    try {
      await promisify(execFile)('npm', ['run', 'bundle'], { cwd: ROOT, env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}` }, timeout: 5 * 60_000, maxBuffer: 16 * MiB });
    } catch (error) {
      section.text('bundles', `not measured: npm run bundle failed: ${(error as Error).message.split('\n').slice(0, 6).join(' ')}`);
      return;
    }
    if (!existsSync(scanBundle)) {
      section.text('bundles', `not measured: npm run bundle wrote no ${scanBundle}`);
      return;
    }
  }
  section.text('written (npm run bundle rewrites them)', (await stat(scanBundle)).mtime.toISOString());
  for (const name of BUNDLED_HANDLERS) {
    const file = join(DIST, 'lambda', name, BUNDLE_FILE);
    if (existsSync(file)) section.figure(`lambda/${name}/${BUNDLE_FILE}`, (await stat(file)).size / KiB, 'KiB', name === 'scan' ? { max: 1536, from: 'issue 7' } : undefined);
    else section.text(`lambda/${name}/${BUNDLE_FILE}`, 'not measured: missing');
  }
  const siteBuilder = join(DIST, 'site-builder');
  if (existsSync(join(siteBuilder, BUNDLE_FILE))) {
    section.figure(`site-builder/${BUNDLE_FILE}`, (await stat(join(siteBuilder, BUNDLE_FILE))).size / KiB, 'KiB');
    const total = await folderSize(siteBuilder);
    section.figure(`site-builder/ unzipped (${total.files} files; Lambda allows 250 MB)`, total.bytes / 1e6, 'MB', { max: 250, from: 'issue 7' });
  } else section.text('site-builder', 'not measured: missing');
  try {
    const times = await coldImportMs(scanBundle);
    section.figure(`scan bundle import in a fresh Node ${(await promisify(execFile)(NODE, ['--version'])).stdout.trim()}, median of ${times.length}`, median(times), 'ms', { max: 500, from: BENCH_TARGET });
  } catch (error) {
    section.text('scan bundle import', `not measured: ${(error as Error).message.split('\n')[0]}`);
  }
}

export async function benchCloud(table: BenchTable): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'cratewatch-cloud-bench-'));
  const { repos, files } = benchPortfolio();
  const [github, index, archive, s3, sns] = await Promise.all([startGithubServer(repos), startIndexServer(files), packAdvisoryArchive().then(startArchiveServer), startS3Server(), startSnsServer()]);
  const servers = { s3, sns, index };
  const section: Section = table.section(CLOUD);
  const rss = table.section(PEAK_RSS);
  try {
    await s3.createBucket(RESULTS_BUCKET);
    await s3.createBucket(SITE_BUCKET);
    const config = benchConfig(repos, { archive: archive.url, index: index.url, github: github.url }, '[site]\nurl = "https://deps.example.com"\n\n');
    await s3.client().send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: CONFIG_KEY, Body: config, ContentType: 'application/toml' }));
    const env: NodeJS.ProcessEnv = { ...process.env, ...cloudEnvironment({ s3: s3.endpoint, sns: sns.url, work: join(tmp, 'work') }) };
    delete env.CRATEWATCH_PREFIX;
    delete env.CRATEWATCH_TOKEN_SECRET;

    const firstSteps = await runWorker(['fan-out', String(MAP_CONCURRENCY)], env, servers);
    const first = recordRun(table, 'first run (cold caches)', firstSteps);
    const alerts = { messages: sum(first, (c) => c.snsMessages), bytes: sum(first, (c) => c.snsBytes) };
    section.figure('  alerts: SNS messages', alerts.messages, 'messages');
    section.figure('  alerts: SNS bytes (as SNS counts them), all messages', alerts.bytes / KiB, 'KiB');
    if (alerts.messages > 0) section.figure('  alerts: largest message', Math.max(...sns.published.map((m) => m.bytes)) / KiB, 'KiB', { max: 256, from: 'SNS limit' });
    const packAfterFirst = await objectBytes(s3, INDEX_PACK_KEY);
    if (packAfterFirst === undefined) section.text(`  ${INDEX_PACK_KEY} after the first run`, 'not measured: no such object');
    else section.figure(`  ${INDEX_PACK_KEY} after the first run`, packAfterFirst / KiB, 'KiB');

    const secondSteps = await runWorker(['fan-out', String(MAP_CONCURRENCY)], env, servers);
    const second = recordRun(table, 'second run', secondSteps);
    section.figure('  alerts: SNS messages', sum(second, (c) => c.snsMessages), 'messages');
    const percent = (pick: (c: Counters) => number) => (100 * sum(second, pick)) / Math.max(1, sum(first, pick));
    const rerun = table.section(SECOND_RUN);
    rerun.figure(`cloud fan-out, ${REPOSITORIES} repositories: index bytes, % of the first run`, percent((c) => c.indexBytes), '%', { max: 10, from: 'issue 7' });
    rerun.figure('  index requests, % of the first run', percent((c) => c.index), '%', { max: 10, from: 'issue 7' });
    const packAfterSecond = await objectBytes(s3, INDEX_PACK_KEY);
    if (packAfterSecond !== undefined) section.figure(`  ${INDEX_PACK_KEY} after the second run`, packAfterSecond / KiB, 'KiB');

    // What one Lambda invocation needs: a single Map item in a fresh process, caches warm (an
    // item of the second run again, as a retry would be: its prepare refreshed the index).
    const { startedAt } = stepOf(secondSteps, 'prepare').detail as { startedAt: string };
    const one = await runWorker(['scan-repo', 'repo-0', startedAt], env, servers);
    const item = stepOf(one, 'scan-repo');
    section.figure('one scan-repo invocation in a fresh process (caches warm), handler time', item.ms, 'ms');
    section.figure('  its S3 requests', item.counters.s3, 'requests');
    section.figure('  its index requests', item.counters.index, 'requests');
    rss.figure('one scan-repo invocation, import included (what its Lambda needs)', MB(item.peakRssMiB), 'MB');

    const built = await runWorker(['build-report'], env, servers);
    const build = stepOf(built, 'build-report');
    const synced = build.detail as { uploaded: number; deleted: number; unchanged: number };
    section.figure(`build-report on the ${REPOSITORIES} repositories' results (export from S3, Astro build, sync: ${synced.uploaded} files uploaded)`, build.ms / 1000, 's');
    section.figure('  its S3 requests', build.counters.s3, 'requests');
    rss.figure('build-report, import included', MB(build.peakRssMiB), 'MB');
  } finally {
    await Promise.all([github.close(), index.close(), archive.close(), s3.close(), sns.close()]);
    await rm(tmp, { recursive: true, force: true });
  }
  await benchBundles(table);
}

if (import.meta.main) await runAlone('cloud bench', benchCloud);
