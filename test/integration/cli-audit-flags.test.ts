// `cratewatch audit` takes cargo audit's flags, so a CI job can switch by changing the
// command's name: -f/-d/-D/-n/-q, --json, --color, --target-os/--target-arch; and says
// "did you mean" for a mistyped option.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../functions/core/result.ts';
import { PROJECT_ROOT, runCli } from '../helpers/run-cli.ts';

const DB_DIR = 'test/fixtures/advisory-db';
const V3 = 'test/fixtures/lockfiles/v3.Cargo.lock';
const ESC = '\u001b';

function findingIds(stdout: string): string[] {
  const result = JSON.parse(stdout) as ScanResult;
  return result.lockfiles.flatMap((l) => l.findings.map((f) => f.advisory?.id ?? `yanked ${f.package.name}`)).sort();
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-audit-flags-'));
  await mkdir(join(dir, 'project'));
  await copyFile(join(PROJECT_ROOT, V3), join(dir, 'project', 'Cargo.lock'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cratewatch audit with cargo audit flags', () => {
  it('audits the same findings with -f FILE -d DB --json as with the long forms', async () => {
    const short = await runCli(['audit', '-f', V3, '-d', DB_DIR, '--json', '--offline']);
    const long = await runCli(['audit', V3, '--db', DB_DIR, '--format', 'json', '--offline']);
    expect(short.code).toBe(1);
    expect(findingIds(short.stdout)).toEqual(findingIds(long.stdout));
    expect(findingIds(short.stdout)).toContain('RUSTSEC-2099-0001');
  });

  it('reads DIR/Cargo.lock when given a folder', async () => {
    const run = await runCli(['audit', join(dir, 'project'), '-d', DB_DIR, '--json', '--offline']);
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as ScanResult).lockfiles.map((l) => l.path)).toEqual([join(dir, 'project', 'Cargo.lock')]);
  });

  it('reads ./Cargo.lock of the folder it runs in when no lockfile is named', async () => {
    const run = await runCli(['audit', '-d', join(PROJECT_ROOT, DB_DIR), '--json', '--offline'], { cwd: join(dir, 'project') });
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as ScanResult).lockfiles.map((l) => l.path)).toEqual(['Cargo.lock']);
  });

  it('exits 2 when --file and a different positional lockfile are both given', async () => {
    const run = await runCli(['audit', '-f', V3, 'other/Cargo.lock', '-d', DB_DIR, '--offline']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cratewatch: two lockfiles given: --file test/fixtures/lockfiles/v3.Cargo.lock and other/Cargo.lock; pass one\n');
  });

  it('exits 2 when --json and another --format are both given', async () => {
    const run = await runCli(['audit', V3, '-d', DB_DIR, '--json', '--format', 'sarif', '--offline']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cratewatch: --json and --format sarif disagree; pass one\n');
  });

  it('fails on a denied warning kind with -D, as with --deny', async () => {
    const informational = await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline', '--ignore', 'RUSTSEC-2099-0001']);
    const denied = await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline', '-D', 'warnings']);
    expect(JSON.parse(informational.stdout).policy).toEqual({ deny: [] });
    expect(JSON.parse(denied.stdout).policy).toEqual({ deny: ['warnings'] });
    expect(denied.code).toBe(1);
  });

  it('drops advisories limited to other operating systems with --target-os', async () => {
    // RUSTSEC-2099-0001 (hyper) is linux/x86_64 only; RUSTSEC-2099-0005 (time) linux and macos.
    const all = findingIds((await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline'])).stdout);
    const windows = findingIds((await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline', '--target-os', 'windows'])).stdout);
    const macos = findingIds((await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline', '--target-os', 'macos'])).stdout);
    expect(all).toEqual(expect.arrayContaining(['RUSTSEC-2099-0001', 'RUSTSEC-2099-0005']));
    expect(windows).toEqual(all.filter((id) => id !== 'RUSTSEC-2099-0001' && id !== 'RUSTSEC-2099-0005'));
    expect(macos).toEqual(all.filter((id) => id !== 'RUSTSEC-2099-0001'));
  });

  it('drops advisories limited to other architectures with --target-arch, keeping those without limits', async () => {
    const all = findingIds((await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline'])).stdout);
    const arm = findingIds((await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline', '--target-arch', 'aarch64'])).stdout);
    const x86 = findingIds((await runCli(['audit', V3, '-d', DB_DIR, '--json', '--offline', '--target-arch', 'x86_64'])).stdout);
    expect(arm).toEqual(all.filter((id) => id !== 'RUSTSEC-2099-0001'));
    expect(x86).toEqual(all);
  });

  it('exits 2 on a platform name that is not one', async () => {
    const run = await runCli(['audit', V3, '-d', DB_DIR, '--offline', '--target-os', 'Windows 11']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cratewatch: --target-os takes a RustSec platform name such as linux or windows, not "Windows 11"\n');
  });

  it('colours the table with --color always even when not on a terminal, and never with --color never', async () => {
    const always = await runCli(['audit', V3, '-d', DB_DIR, '--offline', '--color', 'always']);
    const never = await runCli(['audit', V3, '-d', DB_DIR, '--offline', '--color', 'never']);
    expect(always.stdout).toContain(`${ESC}[31mFAIL${ESC}[0m`);
    expect(never.stdout).not.toContain(ESC);
  });

  it('exits 2 on a --color value it does not know', async () => {
    const run = await runCli(['audit', V3, '-d', DB_DIR, '--offline', '--color', 'sometimes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cratewatch: --color must be one of auto, always, never, not "sometimes"\n');
  });

  it('prints nothing but the report with -q, where it would warn about skipped advisories', async () => {
    const loud = await runCli(['audit', V3, '-d', DB_DIR, '--offline']);
    const quiet = await runCli(['audit', V3, '-d', DB_DIR, '--offline', '-q']);
    expect(loud.stderr).toMatch(/^warning: skipped advisory /m);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(loud.stdout);
  });

  it('shows each advisory\'s date and rustsec.org page in the table, as cargo audit does', async () => {
    const run = await runCli(['audit', V3, '-d', DB_DIR, '--offline']);
    expect(run.stdout).toContain('    date: 2099-01-10  https://rustsec.org/advisories/RUSTSEC-2099-0001\n');
  });
});

describe('cratewatch usage', () => {
  it.each([
    [['audit', '--jsn'], 'cratewatch audit: unknown option --jsn (did you mean --json?); see "cratewatch audit --help"\n'],
    [['audit', '--no-fecth'], 'cratewatch audit: unknown option --no-fecth (did you mean --no-fetch?); see "cratewatch audit --help"\n'],
    [['scan', '--ofline'], 'cratewatch scan: unknown option --ofline (did you mean --offline?); see "cratewatch scan --help"\n'],
    [['report', '--serv'], 'cratewatch report: unknown option --serv (did you mean --serve?); see "cratewatch report --help"\n'],
    [['audit', '--db'], 'cratewatch audit: --db needs a value\n'],
  ])('exits 2 and says what was meant for %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(message);
  });

  it('exits 2 with "did you mean" for a mistyped command', async () => {
    const run = await runCli(['scna']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^cratewatch: unknown command "scna" \(did you mean "scan"\?\)\n/);
  });

  it('exits 2 with the commands on stderr when no command is given', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Usage: cratewatch <command>/);
  });

  it.each(['audit', 'scan', 'report', 'pin', 'invoke'])('shows the help of %s after "help"', async (command) => {
    const run = await runCli(['help', command]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: cratewatch ${command} `));
  });

  it('exits 2 on help for a command that does not exist', async () => {
    const run = await runCli(['help', 'frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('cratewatch: no help on "frobnicate": the commands are scan, report, audit, pin, invoke\n');
  });
});

describe('cratewatch writing into a pipe its reader closed', () => {
  it('stops quietly with the command\'s exit code, no EPIPE stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'functions/cli/cratewatch.ts'), 'pin', 'test/fixtures/workspaces/fleet'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Like `| head -1`: read the first chunk, then close the reading end.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(1);
  });
});
