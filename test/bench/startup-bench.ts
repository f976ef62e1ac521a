// Benchmark of the installed command's whole-process time: `cratewatch --version` and
// `cratewatch audit --offline` on the largest real lockfile, run through the bundled CLI
// (dist/cli, built first, as `npm pack` ships it) with cold caches (a fresh, empty
// CRATEWATCH_CACHE and V8 compile cache every run) and warm ones (the same folders again),
// beside the TypeScript source CLI and the figures from before the bundle.
// Standalone: `node test/bench/startup-bench.ts`.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { bundleCli, CLI_OUT_DIR, LAUNCHER_FILE } from '../../infra/bundle-cli.ts';
import { advisoryTarball, hasSharedData, sharedLockfile } from '../helpers/shared-data.ts';
import { median } from './audit-bench.ts';
import { type BenchTable, runAlone } from './bench-table.ts';
import { SOURCE_CLI } from './cli-process.ts';

/**
 * Whole-process seconds before the bundle, measured by the lead on this machine from the
 * TypeScript source CLI (`#!/usr/bin/env -S node --max-semi-space-size=16`, Node 24 type
 * stripping) at commit 1a98542: the baseline this bench is read against.
 */
export const BEFORE_BUNDLE = {
  version: 0.19,
  auditDbDirectory: 0.49,
  auditDbTarball: 0.33,
  nodeNothing: 0.02,
} as const;
/** Issue 10: the whole `audit` process within twice a native auditor's (~0.09 s). */
const TARGET = { max: 180, from: 'issue 10' };
const LARGEST = 'deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock';
const RUNS = 7;
/** Where `npm ci` put Node 24: the launcher's `#!/usr/bin/env node` finds it first. */
const BIN = resolve(import.meta.dirname, '../../node_modules/.bin');

interface Caches {
  cache: string;
  compile: string;
}

async function freshCaches(): Promise<Caches> {
  const dir = await mkdtemp(join(tmpdir(), 'cratewatch-startup-bench-'));
  return { cache: join(dir, 'cache'), compile: join(dir, 'compile-cache') };
}

/** Milliseconds for one run of `file args` to exit; exit 1 (findings) is a result, anything else is a broken bench. */
async function timeRun(file: string, args: readonly string[], caches: Caches): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${BIN}:${process.env.PATH ?? ''}`, CRATEWATCH_CACHE: caches.cache, NODE_COMPILE_CACHE: caches.compile };
  for (const name of ['NODE_OPTIONS', 'NODE_DISABLE_COMPILE_CACHE', 'CRATEWATCH_DB']) delete env[name];
  const start = performance.now();
  try {
    await promisify(execFile)(file, [...args], { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string };
    if (failed.code !== 1) throw new Error(`${file} ${args.join(' ')} exited ${String(failed.code)}: ${(failed.stderr ?? '').slice(-2000)}`, { cause: error });
  }
  return performance.now() - start;
}

/** Median of RUNS runs, each with new empty caches. */
async function cold(file: string, args: readonly string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const caches = await freshCaches();
    times.push(await timeRun(file, args, caches));
    await rm(resolve(caches.cache, '..'), { recursive: true, force: true });
  }
  return median(times);
}

/** Median of RUNS runs sharing caches that one untimed run filled. */
async function warm(file: string, args: readonly string[]): Promise<number> {
  const caches = await freshCaches();
  try {
    await timeRun(file, args, caches);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeRun(file, args, caches));
    return median(times);
  } finally {
    await rm(resolve(caches.cache, '..'), { recursive: true, force: true });
  }
}

/** An advisory database as a directory: the shared tarball unpacked (its one top folder). */
async function unpackedDb(into: string): Promise<string> {
  await promisify(execFile)('tar', ['-xzf', advisoryTarball, '-C', into]);
  const [top] = await readdir(into);
  return join(into, top!);
}

export async function benchStartup(table: BenchTable): Promise<void> {
  const bundle = await bundleCli();
  const sizes = table.section('The bundled CLI (dist/cli, minified ESM chunks)');
  const startup = bundle.chunks.filter((chunk) => chunk.atStartup);
  sizes.figure(`loaded by \`--version\` and \`audit\` (${startup.map((c) => c.file).join(', ')})`, startup.reduce((sum, c) => sum + c.bytes, 0) / 1024, 'KiB');
  sizes.figure(`all ${bundle.chunks.length} files`, bundle.chunks.reduce((sum, c) => sum + c.bytes, 0) / 1024, 'KiB');

  const launcher = join(CLI_OUT_DIR, LAUNCHER_FILE);
  const section = table.section(`Whole-process time (median of ${RUNS}; cold: new empty CRATEWATCH_CACHE and V8 compile cache each run; warm: the same ones again)`);
  section.figure('`node -e 0` (Node alone)', await warm(process.execPath, ['-e', '0']), 'ms');
  section.figure('  before the bundle (lead, 1a98542)', BEFORE_BUNDLE.nodeNothing * 1000, 'ms');
  section.figure('`cratewatch --version`, bundled, cold', await cold(launcher, ['--version']), 'ms');
  section.figure('  bundled, warm', await warm(launcher, ['--version']), 'ms');
  section.figure('  TypeScript source, warm', await warm(SOURCE_CLI, ['--version']), 'ms');
  section.figure('  before the bundle (lead, 1a98542: TypeScript source)', BEFORE_BUNDLE.version * 1000, 'ms');
  if (!hasSharedData) {
    section.text('`cratewatch audit`', 'skipped: no shared data (set CRATEWATCH_SHARED_DATA)');
    return;
  }
  const lockfile = sharedLockfile(LARGEST);
  const dir = await mkdtemp(join(tmpdir(), 'cratewatch-startup-bench-db-'));
  try {
    const databases = [
      ['tarball', advisoryTarball, BEFORE_BUNDLE.auditDbTarball],
      ['directory', await unpackedDb(dir), BEFORE_BUNDLE.auditDbDirectory],
    ] as const;
    for (const [kind, db, before] of databases) {
      const args = ['audit', '--offline', lockfile, '--db', db, '--format', 'json'];
      section.figure(`\`cratewatch audit --offline\`, ${LARGEST.split('-2026')[0]} (507 packages), database as a ${kind}, bundled, cold`, await cold(launcher, args), 'ms');
      section.figure('  bundled, warm', await warm(launcher, args), 'ms', TARGET);
      section.figure('  TypeScript source, warm', await warm(SOURCE_CLI, args), 'ms');
      section.figure('  before the bundle (lead, 1a98542: TypeScript source)', before * 1000, 'ms');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await runAlone('startup bench', benchStartup);
