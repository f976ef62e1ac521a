// Benchmarks of the audit on the shared data: advisory database load, the audit per lockfile
// size (synthetic v4 lockfiles of 100 to 5,000 packages, and the largest real one), and the
// whole `cratewatch audit` process. Standalone: `node test/bench/audit-bench.ts`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import { auditLockfile } from '../../functions/core/audit.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { advisoryTarball, lockfilesDir } from '../helpers/shared-data.ts';
import { type BenchTable, PEAK_RSS, runAlone } from './bench-table.ts';
import { runCli } from './cli-process.ts';
import { registryPackagesOf, syntheticLockfile } from './synthetic-lockfile.ts';

const LARGEST = 'deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock';
const TODAY = '2026-09-01';
const ISSUE_2 = 'issue 2';
/** Lockfile sizes and how many timed runs each gets (about a second of auditing each). */
const SIZES = [
  [100, 1000],
  [500, 400],
  [1000, 200],
  [2000, 100],
  [5000, 60],
] as const;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `fn` `warmup` times untimed, then `runs` times; the median milliseconds. */
function medianMs(fn: () => unknown, runs: number, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

export async function benchDatabaseLoad(table: BenchTable): Promise<AdvisoryDb> {
  const section = table.section('Advisory database load (in-process, from the tarball)');
  const source = new LocalAdvisoryDbSource(advisoryTarball);
  const coldStart = performance.now();
  const db = await source.load();
  section.figure('first load (cold: modules, JIT and file cache warming)', performance.now() - coldStart, 'ms', { max: 300, from: ISSUE_2 });
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    await source.load();
    times.push(performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
  }
  section.figure(`load, median of ${times.length} (${db.advisoryCount} advisories)`, median(times), 'ms', { max: 300, from: ISSUE_2 });
  // Every thread of the process (GC, zlib) counts, so it can exceed the wall time; on a busy machine it is the steadier figure.
  section.figure('  CPU time (user + system), median', median(cpu), 'ms');
  return db;
}

/** Audit time by lockfile size, parse excluded and included, and the cost per package at each size. */
export function benchAuditSizes(table: BenchTable, db: AdvisoryDb): void {
  const section = table.section('Audit by lockfile size (in-process, database loaded; synthetic v4 lockfiles; median of 60 to 1,000 runs)');
  const pool = registryPackagesOf(readdirSync(lockfilesDir).map((f) => readFileSync(join(lockfilesDir, f), 'utf8')));
  const perPackage = new Map<number, { audit: number; parsed: number }>();
  for (const [size, runs] of SIZES) {
    const name = `synthetic-${size}.Cargo.lock`;
    const text = syntheticLockfile(size, pool);
    const lockfile = parseLockfile(text, name);
    const result = auditLockfile(lockfile, db, { today: TODAY });
    const audit = medianMs(() => auditLockfile(lockfile, db, { today: TODAY }), runs);
    const parsed = medianMs(() => auditLockfile(parseLockfile(text, name), db, { today: TODAY }), runs);
    const n = lockfile.packages.length;
    perPackage.set(size, { audit: (audit * 1000) / n, parsed: (parsed * 1000) / n });
    const what = `${n.toLocaleString('en-US')} packages (${result.findings.length} findings, ${result.duplicates.length} duplicates)`;
    const each = (ms: number) => `${((ms * 1000) / n).toFixed(2)} µs a package`;
    section.figure(`${what}: audit only (${each(audit)})`, audit, 'ms', size === 1000 ? { max: 5, from: ISSUE_2 } : undefined);
    section.figure(`  parse + audit (${each(parsed)})`, parsed, 'ms');
  }
  // 1.0 is perfectly linear; well above 1 means the cost grows faster than the lockfile.
  const at = (size: number) => perPackage.get(size)!;
  section.figure('per-package cost, 5,000 vs 1,000 packages: audit', at(5000).audit / at(1000).audit, '×');
  section.figure('per-package cost, 5,000 vs 1,000 packages: parse + audit', at(5000).parsed / at(1000).parsed, '×');
  section.figure('per-package cost, 5,000 vs 100 packages: parse + audit', at(5000).parsed / at(100).parsed, '×');

  const real = readFileSync(join(lockfilesDir, LARGEST), 'utf8');
  const lockfile = parseLockfile(real, LARGEST);
  const n = lockfile.packages.length;
  const audit = medianMs(() => auditLockfile(lockfile, db, { today: TODAY }), 300);
  const findings = auditLockfile(lockfile, db, { today: TODAY }).findings.length;
  section.figure(`real ${LARGEST} (${n} packages, ${findings} findings): audit only`, audit, 'ms');
  section.figure('  same, scaled to 1,000 packages', (audit * 1000) / n, 'ms', { max: 5, from: ISSUE_2 });
  section.figure('  parse + audit', medianMs(() => auditLockfile(parseLockfile(real, LARGEST), db, { today: TODAY }), 300), 'ms');
  section.figure('  parse only', medianMs(() => parseLockfile(real, LARGEST), 300), 'ms');
}

/** `cratewatch audit --offline` on the largest real lockfile, as a process: wall time and peak RSS. */
export async function benchAuditProcess(table: BenchTable): Promise<void> {
  const section = table.section('`cratewatch audit` process (largest real lockfile, --offline, json)');
  const args = ['audit', '--offline', join(lockfilesDir, LARGEST), '--db', advisoryTarball, '--format', 'json'];
  const first = await runCli(args);
  if (first.code !== 1) section.text('note', `cratewatch audit exited ${first.code}, expected 1 (findings): ${first.stderr.trim().split('\n')[0]}`);
  section.figure('first run', first.ms, 'ms', { max: 700, from: ISSUE_2 });
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await runCli(args));
  section.figure(`median of ${runs.length}`, median(runs.map((r) => r.ms)), 'ms', { max: 700, from: ISSUE_2 });
  section.figure('  CPU time (user + system), median', median(runs.map((r) => r.cpuMs)), 'ms');
  table.section(PEAK_RSS).figure('`cratewatch audit` process (largest real lockfile)', Math.max(...runs.map((r) => r.peakRssMB)), 'MB');
}

if (import.meta.main) {
  await runAlone('audit bench', async (table) => {
    const db = await benchDatabaseLoad(table);
    benchAuditSizes(table, db);
    await benchAuditProcess(table);
  });
}
