// A repository whose Cargo.lock is larger than `max_file_bytes`, scanned by `cratewatch scan` as
// a process: the file is refused unread with a message naming the limit and the setting that
// raises it, the repository is an error (never clean), and the other repository is scanned as
// usual. (Each source's own limit and the index's and archive's are tested with their adapters;
// the archive bombs in advisory-archive.test.ts.)
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SummaryIndex } from '../../functions/core/result.ts';
import { writeFixtureArchive } from '../helpers/advisory-archive.ts';
import { CLEAN_LOCK } from '../helpers/fixtures.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

const LIMIT = 4096;
let dir: string;
let config: string;
let run: CliRun;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-hostile-size-'));
  const db = await writeFixtureArchive(dir);
  // Valid TOML to the end: only its size is wrong. One long comment line, as a hostile file might be.
  await mkdir(join(dir, 'huge'));
  await writeFile(join(dir, 'huge', 'Cargo.lock'), `${CLEAN_LOCK}# ${'x'.repeat(50 * LIMIT)}\n`);
  await mkdir(join(dir, 'small'));
  await writeFile(join(dir, 'small', 'Cargo.lock'), CLEAN_LOCK);
  config = join(dir, 'size-limits.toml');
  await writeFile(
    config,
    `max_file_bytes = ${LIMIT}\n\n[sources]\nadvisory_db = ${JSON.stringify(db)}\n\n[[repositories]]\nname = "huge"\npath = "huge"\n\n[[repositories]]\nname = "small"\npath = "small"\n`,
  );
  run = await runCli(['scan', '--config', config, '--out', join(dir, 'out'), '--offline', '--no-report'], { cwd: dir });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a Cargo.lock over max_file_bytes', () => {
  it('is refused with the limit and the setting named, and the run exits 3 (not everything scanned)', () => {
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`huge: error \\(.*Cargo\\.lock refused: \\d+ bytes, over the ${LIMIT}-byte limit per file \\(raise \`max_file_bytes\` in ${escapeRegExp(config)} if the file is genuine\\)`));
  });

  it('leaves its repository an error and scans the other one', async () => {
    const summary = JSON.parse(await readFile(join(dir, 'out', 'results', 'index.json'), 'utf8')) as SummaryIndex;
    expect(summary.repositories.map((r) => [r.name, r.status])).toEqual([
      ['huge', 'error'],
      ['small', 'clean'],
    ]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
