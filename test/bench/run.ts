// Benchmarks (`npm run bench`): advisory database load, audit time on the largest real
// lockfile and on synthetic 1,000- and 5,000-package lockfiles, and the whole
// `cratewatch audit` process. Prints one figure a line; a missed target is printed,
// never a failure, so the exit code stays 0.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import { auditLockfile } from '../../functions/core/audit.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { advisoryTarball, hasSharedData, lockfilesDir, sharedDataDir } from '../helpers/shared-data.ts';
import { benchCloud } from './cloud-bench.ts';
import { benchIndex } from './index-bench.ts';
import { benchScan } from './scan-bench.ts';
import { benchSite } from './site-bench.ts';
import { registryPackagesOf, syntheticLockfile } from './synthetic-lockfile.ts';

const LARGEST = 'deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock';
const CLI = resolve(import.meta.dirname, '../../functions/cli/cratewatch.ts');
const TODAY = '2026-09-01';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function format(value: number, unit: string): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

/** One figure a line: `name: value unit`, with its target and whether it was met. */
function report(name: string, value: number, unit: string, target?: number): void {
  let line = `${name}: ${format(value, unit)}`;
  if (target !== undefined) line += ` (target ≤ ${target} ${unit})${value <= target ? '' : ' MISSED target'}`;
  console.log(line);
}

/** Runs `fn` `warmup` times untimed, then `runs` times; returns each run's milliseconds. */
function timeSync(fn: () => unknown, runs: number, warmup = 3): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times;
}

async function benchDatabaseLoad(): Promise<AdvisoryDb> {
  const source = new LocalAdvisoryDbSource(advisoryTarball);
  const coldStart = performance.now();
  const db = await source.load();
  report('db load, first (cold) in-process', performance.now() - coldStart, 'ms', 300);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    await source.load();
    times.push(performance.now() - start);
  }
  report(`db load, median of ${times.length} (${db.advisoryCount} advisories)`, median(times), 'ms', 300);
  return db;
}

function benchLargestLockfile(db: AdvisoryDb): void {
  const text = readFileSync(join(lockfilesDir, LARGEST), 'utf8');
  const lockfile = parseLockfile(text, LARGEST);
  const n = lockfile.packages.length;
  const audit = median(timeSync(() => auditLockfile(lockfile, db, { today: TODAY }), 300));
  const findings = auditLockfile(lockfile, db, { today: TODAY }).findings.length;
  report(`audit ${LARGEST} (${n} packages, ${findings} findings), parse excluded, median of 300`, audit, 'ms');
  report(`  same, scaled to 1,000 packages`, (audit * 1000) / n, 'ms', 5);
  report(`parse + audit ${LARGEST}, median of 300`, median(timeSync(() => auditLockfile(parseLockfile(text, LARGEST), db, { today: TODAY }), 300)), 'ms');
  report(`parse only ${LARGEST}, median of 300`, median(timeSync(() => parseLockfile(text, LARGEST), 300)), 'ms');
}

function benchSynthetic(db: AdvisoryDb): void {
  const pool = registryPackagesOf(readdirSync(lockfilesDir).map((f) => readFileSync(join(lockfilesDir, f), 'utf8')));
  const perPackage: number[] = [];
  for (const [size, runs] of [
    [1000, 200],
    [5000, 60],
  ] as const) {
    const name = `synthetic-${size}.Cargo.lock`;
    const text = syntheticLockfile(size, pool);
    const lockfile = parseLockfile(text, name);
    const result = auditLockfile(lockfile, db, { today: TODAY });
    const audit = median(timeSync(() => auditLockfile(lockfile, db, { today: TODAY }), runs));
    const label = `synthetic v4 lockfile, ${lockfile.packages.length} packages (${result.findings.length} findings, ${result.duplicates.length} duplicates)`;
    report(`audit ${label}, parse excluded, median of ${runs}`, audit, 'ms', size === 1000 ? 5 : undefined);
    report(`parse + audit ${label}, median of ${runs}`, median(timeSync(() => auditLockfile(parseLockfile(text, name), db, { today: TODAY }), runs)), 'ms');
    perPackage.push((audit * 1000) / lockfile.packages.length);
    report(`  audit per package at ${size}`, (audit * 1000) / lockfile.packages.length, 'µs');
  }
  // 1.0 is perfectly linear; well above 1 means the audit grows faster than the lockfile.
  report('audit per-package cost ratio, 5,000 vs 1,000 packages', perPackage[1]! / perPackage[0]!, '×');
}

async function benchProcess(): Promise<void> {
  const args = [CLI, 'audit', '--offline', join(lockfilesDir, LARGEST), '--db', advisoryTarball, '--format', 'json'];
  const run = async (extra: string[] = []): Promise<{ ms: number; code: number; stderr: string }> => {
    const start = performance.now();
    try {
      const { stderr } = await promisify(execFile)(process.execPath, [...extra, ...args], { maxBuffer: 64 * 1024 * 1024 });
      return { ms: performance.now() - start, code: 0, stderr };
    } catch (error) {
      const failed = error as { code?: unknown; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { ms: performance.now() - start, code: failed.code, stderr: failed.stderr ?? '' };
    }
  };
  const first = await run();
  if (first.code !== 1) console.log(`note: cratewatch audit exited ${first.code}, expected 1 (findings)`);
  report('cratewatch audit process (json), first run', first.ms, 'ms', 700);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await run()).ms);
  report(`cratewatch audit process (json), median of ${times.length}`, median(times), 'ms', 700);

  // Peak RSS of a separate, untimed run: a preloaded module prints it as the process exits.
  const probe = 'data:text/javascript,process.on("exit",()=>process.stderr.write(`maxrss=${process.resourceUsage().maxRSS}\\n`))';
  const rss = /maxrss=(\d+)/.exec((await run(['--import', probe])).stderr)?.[1];
  if (rss) report('cratewatch audit process, peak RSS', Number(rss) / 1024, 'MiB');
  else console.log('cratewatch audit process, peak RSS: not measured');
}

console.log(`cratewatch bench, Node ${process.version}`);
if (!hasSharedData) {
  console.log(`skipped: no shared data at ${sharedDataDir} (set CRATEWATCH_SHARED_DATA to run the database, audit and process benchmarks)`);
} else {
  const db = await benchDatabaseLoad();
  benchLargestLockfile(db);
  benchSynthetic(db);
  await benchProcess();
}

// The index, scan, cloud and site benchmarks need no shared data: they make their own.
await benchIndex(report);
await benchScan(report);
await benchCloud(report);
await benchSite(report);
