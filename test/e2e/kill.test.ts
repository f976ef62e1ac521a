// `cratewatch scan` killed with SIGKILL at points spread over a run (after the k-th repository
// is stored, or the moment an alert is printed), again and again, then run to the end: the store stays consistent, no history object is ever lost, and every
// alert is delivered — once, or twice only when the kill fell between the terminal printing
// it and the ledger recording it (the window no alerter can close; README, "Alerts").
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertLedger } from '../../functions/core/alert-ledger.ts';
import type { ScanResult, SummaryIndex } from '../../functions/core/result.ts';
import { FIXTURE_DB, fixtureText } from '../helpers/fixtures.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

/** Each round adds a repository with the critical hyper finding: one new alert due per round. */
const ROUNDS = 8;
const ALERT_LINE = /^\s+\d+\. \[[^\]]+\] (\S+) (\S+): (\S+) \S+ (\S+)$/gm;

let tmp: string;
let out: string;
const runs: { run: CliRun; killed: boolean; ledgerAfter: AlertLedger | null; history: Set<string> }[] = [];

async function writeConfig(repos: number): Promise<string> {
  const lines = [`[sources]\nadvisory_db = "${FIXTURE_DB}"\n`, '[alerts]\nthreshold = "critical"\n'];
  for (let i = 0; i < repos; i++) lines.push(`[[repositories]]\nname = "r${i}"\npath = "repos/r${i}"\n`);
  const file = join(tmp, 'cratewatch.toml');
  await writeFile(file, lines.join('\n'));
  return file;
}

async function readLedger(): Promise<AlertLedger | null> {
  try {
    return JSON.parse(await readFile(join(out, 'state', 'alert-ledger.json'), 'utf8')) as AlertLedger;
  } catch {
    return null;
  }
}

async function historyFiles(): Promise<Set<string>> {
  const found = new Set<string>();
  const results = join(out, 'results');
  for (const repo of await readdir(results).catch(() => [] as string[])) {
    if (repo === 'index.json') continue;
    for (const file of await readdir(join(results, repo, 'history')).catch(() => [] as string[])) if (file.endsWith('.json')) found.add(`${repo}/${file}`);
  }
  return found;
}

function printedAlerts(stdout: string): string[] {
  return [...stdout.matchAll(ALERT_LINE)].map(([, repo, lockfile, crate, id]) => `${repo} ${lockfile} ${crate} ${id}`);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-kill-'));
  out = join(tmp, 'out');
  for (let i = 0; i <= ROUNDS; i++) {
    await mkdir(join(tmp, 'repos', `r${i}`), { recursive: true });
    await writeFile(join(tmp, 'repos', `r${i}`, 'Cargo.lock'), fixtureText('v3.Cargo.lock'));
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const config = await writeConfig(round + 1);
    // Odd rounds die after some repositories are stored, even rounds as their alert is printed
    // (before or after the ledger records it, whichever the kill lands on).
    const killWhen =
      round % 2 === 1
        ? ({ stderr }: { stderr: string }) => (stderr.match(/^scan: \[\d+\/\d+\]/gm) ?? []).length >= Math.ceil(round / 2)
        : ({ stdout }: { stdout: string }) => stdout.includes('ALERT:');
    const run = await runCli(['scan', '--config', config, '--out', out, '--offline', '--no-report'], { cwd: tmp, killWhen });
    runs.push({ run, killed: run.code === null, ledgerAfter: await readLedger(), history: await historyFiles() });
  }
  const config = await writeConfig(ROUNDS + 1);
  const last = await runCli(['scan', '--config', config, '--out', out, '--offline', '--no-report'], { cwd: tmp });
  runs.push({ run: last, killed: false, ledgerAfter: await readLedger(), history: await historyFiles() });
}, 180_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('cratewatch scan killed mid-run, then run again', () => {
  it('was killed in most rounds (the test means something) and completed at the end', () => {
    expect(runs.filter((r) => r.killed).length).toBeGreaterThanOrEqual(ROUNDS / 2);
    expect(runs.at(-1)!.run.code).toBe(1);
  });

  it('never loses a history object', () => {
    for (let i = 1; i < runs.length; i++) {
      const lost = [...runs[i - 1]!.history].filter((f) => !runs[i]!.history.has(f));
      expect(lost).toEqual([]);
    }
  });

  it('ends with every repository\'s latest result equal to its newest history object, and a summary of all', async () => {
    for (let i = 0; i <= ROUNDS; i++) {
      const dir = join(out, 'results', `r${i}`);
      const files = (await readdir(join(dir, 'history'))).filter((f) => f.endsWith('.json'));
      const history = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, 'history', f), 'utf8')) as ScanResult));
      const newest = history.sort((a, b) => a.scannedAt.localeCompare(b.scannedAt)).at(-1)!;
      expect(JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8'))).toEqual(newest);
    }
    const summary = JSON.parse(await readFile(join(out, 'results', 'index.json'), 'utf8')) as SummaryIndex;
    expect(summary.repositories.map((r) => r.name)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => `r${i}`));
  });

  it('delivers every alert, and twice only where a kill fell between printing it and recording it', () => {
    const ledger = runs.at(-1)!.ledgerAfter!;
    expect(ledger.claims).toEqual([]);
    const expected = Array.from({ length: ROUNDS + 1 }, (_, i) => `r${i} Cargo.lock hyper RUSTSEC-2099-0001`);
    expect(Object.values(ledger.delivered).map((e) => `${e.repository} ${e.lockfile} ${e.crate} ${e.id}`).sort()).toEqual(expected.sort());
    for (const identity of expected) {
      const printed = runs.filter((r) => printedAlerts(r.run.stdout).includes(identity));
      // Printed by a run that was then killed before its ledger had it: the next run prints it again.
      const window = printed.filter((r) => r.killed && !Object.values(r.ledgerAfter?.delivered ?? {}).some((e) => `${e.repository} ${e.lockfile} ${e.crate} ${e.id}` === identity));
      expect({ identity, times: printed.length }).toEqual({ identity, times: 1 + window.length });
    }
  });
});
