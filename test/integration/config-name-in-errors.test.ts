// `cratewatch scan --config` with a file not called cratewatch.toml, as a process: an error that
// says what to change in the configuration names the file given, not the default name.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureArchive } from '../helpers/advisory-archive.ts';
import { CLEAN_LOCK } from '../helpers/fixtures.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

let dir: string;
let config: string;
let run: CliRun;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-config-name-'));
  const db = await writeFixtureArchive(dir);
  await mkdir(join(dir, 'present'));
  await writeFile(join(dir, 'present', 'Cargo.lock'), CLEAN_LOCK);
  config = join(dir, 'other-name.toml');
  await writeFile(
    config,
    `[sources]\nadvisory_db = ${JSON.stringify(db)}\n\n[[repositories]]\nname = "gone"\npath = "no-such-dir"\n\n[[repositories]]\nname = "present"\npath = "present"\n`,
  );
  run = await runCli(['scan', '--config', config, '--out', join(dir, 'out'), '--offline', '--no-report'], { cwd: dir });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a path repository whose directory does not exist, configured in other-name.toml', () => {
  it('is an error naming other-name.toml as the file to fix, and the run exits 3 (not everything scanned)', () => {
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`path ${join(dir, 'no-such-dir')}: no such directory (ENOENT): check the \`path\` of repository "gone" in ${config}`);
    expect(run.stderr).not.toContain('cratewatch.toml');
  });
});
