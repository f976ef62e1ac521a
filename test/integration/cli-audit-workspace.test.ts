// `cratewatch audit` on a Rust project folder (a Cargo.lock with its Cargo.toml beside it),
// run as a real process: the workspace's manifests are read from disk, so each finding says
// how it is pulled in, rust-version applies, duplicates are explained and the pinning check
// runs; the JSON document is a valid result, and paths stay relative to where it ran.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../functions/core/result.ts';
import { assertValidResult } from '../helpers/result-schema.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { PROJECT_ROOT, runCli } from '../helpers/run-cli.ts';
import { WORKSPACES } from '../helpers/workspace-fixtures.ts';

const DB = join(PROJECT_ROOT, 'test/fixtures/advisory-db');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-audit-ws-'));
  await cp(join(WORKSPACES, 'scoped'), join(tmp, 'scoped'), { recursive: true });
  await cp(join(WORKSPACES, 'duplicates'), join(tmp, 'dups'), { recursive: true });
  await writeFile(join(tmp, 'dups', 'Cargo.lock'), fixtureText('duplicates-workspace.Cargo.lock'));
  await writeFile(join(tmp, 'dups', 'deny.toml'), '[bans]\nskip = [{ name = "syn", reason = "proc macros lag behind" }]\n');
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('cratewatch audit on a project folder', () => {
  let result: ScanResult;
  beforeAll(async () => {
    const run = await runCli(['audit', '--offline', 'scoped', '--db', DB, '--format', 'json'], { cwd: tmp });
    expect(run.code).toBe(1);
    result = JSON.parse(run.stdout) as ScanResult;
  });

  it('writes a valid result whose paths are relative to where it ran', () => {
    assertValidResult(result);
    expect(result.lockfiles.map((l) => l.path)).toEqual(['scoped/Cargo.lock']);
    expect(result.pinning?.map((p) => p.root)).toEqual(['scoped/Cargo.toml']);
  });

  it("gives each finding its scope and applies the workspace's rust-version", () => {
    const lockfile = result.lockfiles[0]!;
    expect(lockfile.rustVersion).toBe('1.74');
    const scope = (crate: string) => lockfile.findings.find((f) => f.package.name === crate)?.scope;
    expect(scope('time')).toEqual({ scope: 'dev', members: ['app'], targets: null });
    expect(scope('hyper')).toEqual({ scope: 'normal', members: ['app'], targets: null });
  });

  it('shows the scope and the pinning check in the table', async () => {
    const run = await runCli(['audit', '--offline', 'scoped/Cargo.lock', '--db', DB], { cwd: tmp });
    expect(run.stdout).toContain('    scope: dev (app)\n');
    expect(run.stdout).toMatch(/^pinning: scoped\/Cargo\.toml \(3 members, /m);
  });

  it('explains the duplicates, honours deny.toml skips, and gives the pin plan as a diff in Markdown', async () => {
    const json = await runCli(['audit', '--offline', join(tmp, 'dups'), '--db', DB, '--format', 'json']);
    const dups = JSON.parse(json.stdout) as ScanResult;
    assertValidResult(dups);
    // An absolute path: the result's paths are relative to the project folder.
    expect(dups.lockfiles[0]!.path).toBe('Cargo.lock');
    expect(dups.lockfiles[0]!.duplicatesExplained!.map((d) => d.name)).toEqual(['http', 'smallvec']);
    expect(dups.lockfiles[0]!.allowedDuplicates!.map((d) => [d.name, d.allowedBy[0]!.from])).toEqual([['syn', 'deny.toml']]);

    const table = await runCli(['audit', '--offline', relative(PROJECT_ROOT, join(tmp, 'dups')), '--db', DB]);
    expect(table.stdout).toContain('  duplicates (2), most packages removed first\n');
    expect(table.stdout).toContain('  http 0.2.12 (http-body 0.4.6, legacy, old-client 0.3.1, tower-http 0.4.4), 1.1.0 (api, hyper 1.2.0) → 1.1.0; unifying removes 2 packages\n');
    expect(table.stdout).toContain('    disappear: fnv 1.0.7, http 0.2.12\n');
    expect(table.stdout).toContain('  syn 2.0.10, 2.0.48: syn allowed (deny.toml): proc macros lag behind\n');

    const markdown = await runCli(['audit', '--offline', join(tmp, 'dups'), '--db', DB, '--format', 'markdown']);
    expect(markdown.stdout).toContain('<details><summary>Duplicates (2)</summary>');
    expect(markdown.stdout).toMatch(/### Pinning: `Cargo\.toml`/);
  });
});
