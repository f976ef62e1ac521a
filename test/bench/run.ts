// Benchmarks (`npm run bench`): every figure in one table on stdout, and the same figures as
// JSON in test-artifacts/bench.json. Advisory database load, the audit per lockfile size,
// the whole `cratewatch audit` process, the bundled CLI's startup, the index client on a slow loopback index, the
// local pipeline (`cratewatch scan`) for 1 to 500 repositories, the report site, the cloud
// fan-out through the Lambda handlers, the bundles, what a second run still transfers, and
// peak RSS. Progress goes to stderr. A missed target is marked in the table, never a
// failure: the exit code is 0 unless a benchmark itself broke (then 1, the rest still run).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { hasSharedData, sharedDataDir } from '../helpers/shared-data.ts';
import { benchAuditProcess, benchAuditSizes, benchDatabaseLoad } from './audit-bench.ts';
import { BenchTable, machine } from './bench-table.ts';
import { benchCloud } from './cloud-bench.ts';
import { benchIndex } from './index-bench.ts';
import { benchScan } from './scan-bench.ts';
import { benchSite } from './site-bench.ts';
import { benchStartup } from './startup-bench.ts';

const ARTIFACT = resolve(import.meta.dirname, '../../test-artifacts/bench.json');

const table = new BenchTable();
const started = performance.now();
const startedAt = new Date().toISOString();
const broken: { bench: string; error: string }[] = [];
const elapsed = () => {
  const s = Math.round((performance.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Runs one benchmark; if it throws, the error is recorded and the others still run. */
async function run(name: string, bench: () => Promise<void> | void): Promise<void> {
  process.stderr.write(`[${elapsed()}] ${name}…\n`);
  try {
    await bench();
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    broken.push({ bench: name, error: message });
    process.stderr.write(`[${elapsed()}] ${name} broke:\n${message}\n`);
  }
}

const host = machine();
process.stderr.write(`cratewatch bench on ${host.cpus} × ${host.cpuModel}, ${host.memoryGiB} GiB, Node ${host.node}\n`);
if (hasSharedData) {
  await run('advisory database load and audit by lockfile size', async () => benchAuditSizes(table, await benchDatabaseLoad(table)));
  await run('cratewatch audit process', () => benchAuditProcess(table));
} else {
  table.section('Advisory database load and audit').text('skipped', `no shared data at ${sharedDataDir} (set CRATEWATCH_SHARED_DATA to run the database, audit and process benchmarks)`);
}
// Builds dist/cli first; without shared data it times `--version` only.
await run('cratewatch startup (the bundled CLI: --version, audit with cold and warm caches)', () => benchStartup(table));
// The index, pipeline, site and cloud benchmarks need no shared data: they make their own.
await run('index fetch', () => benchIndex(table));
await run('pipeline (cratewatch scan, 1 to 500 repositories) and its report site', () => benchScan(table));
await run('site build (fixtures, 10 to 500 repositories)', () => benchSite(table));
await run('cloud fan-out and bundles', () => benchCloud(table));

const seconds = (performance.now() - started) / 1000;
for (const { bench, error } of broken) table.section('Benchmarks that broke (see stderr)').text(bench, error.split('\n')[0]!.slice(0, 160));
console.log(`cratewatch bench, ${startedAt}: ${host.cpus} × ${host.cpuModel}, ${host.memoryGiB} GiB memory, Node ${host.node}, ${host.platform}; took ${elapsed()}`);
console.log();
console.log(table.render());
console.log();
const missed = table.missed;
console.log(missed.length === 0 ? 'every target met' : `${missed.length} target${missed.length === 1 ? '' : 's'} missed: ${missed.map((f) => `${f.section} · ${f.name.trim()}`).join('; ')}`);

await mkdir(join(ARTIFACT, '..'), { recursive: true });
await writeFile(ARTIFACT, `${JSON.stringify({ startedAt, seconds: Math.round(seconds), machine: host, missed: missed.length, broken, ...table.toJSON() }, null, 2)}\n`);
console.log(`figures as JSON in ${ARTIFACT}`);
if (broken.length > 0) process.exitCode = 1;
