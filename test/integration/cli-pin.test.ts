// `cratewatch pin --diff-only` on a copy of the fleet fixture in a git repository: the diff
// applies with `git apply`, the result still resolves to the same locked versions, and the
// findings it fixes are gone. runPin runs in-process until `pin` is registered in cratewatch.ts.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPins, type PinCheck } from '../../functions/app/pin-workspace.ts';
import { runPin } from '../../functions/cli/pin.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { findLocked } from '../../functions/core/pinning.ts';
import { resolveWorkspace } from '../../functions/core/workspace-members.ts';
import { readManifests, WORKSPACES } from '../helpers/workspace-fixtures.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function pin(args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runPin(args, { stdout, stderr, env: {}, now: () => new Date(0) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Every requirement's locked version, by member, crate and kind. */
function lockedVersions(dir: string): Map<string, string> {
  const lock = parseLockfile(readFileSync(join(dir, 'Cargo.lock'), 'utf8'), 'Cargo.lock');
  const ws = resolveWorkspace('Cargo.toml', readManifests(dir));
  return new Map(
    ws.dependencies.map((d) => [`${d.member.name} ${d.declared.kind} ${d.declared.target ?? ''} ${d.name}`, findLocked(lock, { name: d.name, version: d.version, path: d.path, git: d.git })?.version ?? 'none']),
  );
}

const kinds = (check: PinCheck) => check.findings.map((f) => `${f.kind} ${f.file}:${f.crate}`);
const check = (dir: string) => checkPins('Cargo.toml', readManifests(dir), { path: 'Cargo.lock', text: readFileSync(join(dir, 'Cargo.lock'), 'utf8') });

describe('cratewatch pin on a copy of the fleet workspace', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cratewatch-pin-'));
    cpSync(join(WORKSPACES, 'fleet'), dir, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'fixture');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1, and the diff applies with git apply, keeps every locked version and leaves only what needs a person', async () => {
    const before = lockedVersions(dir);
    const beforeCheck = check(dir);
    const { code, stdout, stderr } = await pin(['--diff-only', dir]);
    expect([code, stderr]).toEqual([1, '']);
    expect(stdout.startsWith('diff --git a/Cargo.toml b/Cargo.toml\n')).toBe(true);
    execFileSync('git', ['apply', '--check', '-'], { cwd: dir, input: stdout });
    execFileSync('git', ['apply', '-'], { cwd: dir, input: stdout });
    expect(execFileSync('git', ['diff', '--name-only'], { cwd: dir, encoding: 'utf8' })).toBe(
      'Cargo.toml\ncrates/api/Cargo.toml\ncrates/core/Cargo.toml\ncrates/net/proto/Cargo.toml\ntools/xtask/Cargo.toml\n',
    );

    expect(lockedVersions(dir)).toEqual(before);
    expect([...before.values()]).not.toContain('none');
    expect(kinds(beforeCheck)).toHaveLength(16);
    expect(kinds(check(dir))).toEqual(['unused-workspace-dependency Cargo.toml:once_cell', 'not-inherited tools/xtask/Cargo.toml:serde']);
    // Nothing left to do: a second run's diff is empty.
    expect((await pin(['--diff-only', dir])).stdout).toBe('');
  });
});

describe('cratewatch pin output and errors', () => {
  const fleet = join(WORKSPACES, 'fleet');

  it('prints file:line findings, what it left alone and the diff', async () => {
    const { code, stdout } = await pin([fleet]);
    expect(code).toBe(1);
    expect(stdout).toContain('crates/api/Cargo.toml:11: http = "*" has no upper bound: any future major release is allowed; Cargo.lock has 1.1.0, pin it to "1.1"\n');
    expect(stdout).toContain('16 pinning findings\n');
    expect(stdout).toContain('left alone: tools/xtask/Cargo.toml:11: serde: the workspace entry enables derive');
    expect(stdout).toContain('\ndiff --git a/crates/api/Cargo.toml b/crates/api/Cargo.toml\n');
  });

  it('prints findings and plan as JSON with --json', async () => {
    const { code, stdout } = await pin(['--json', fleet]);
    const doc = JSON.parse(stdout) as PinCheck;
    expect(code).toBe(1);
    expect(doc.findings).toHaveLength(16);
    expect(doc.members).toEqual(['fleet-api', 'fleet-core', 'fleet-proto', 'xtask']);
    expect(doc.plan.patches.map((p) => Object.keys(p))).toEqual(Array(5).fill(['file', 'diff']));
  });

  it('exits 2 naming the folder when it has no Cargo.toml', async () => {
    await expect(pin([join(fleet, 'nowhere')])).rejects.toThrow(`no Cargo.toml in ${join(fleet, 'nowhere')}: give the folder of the workspace root`);
  });

  it('exits 2 with file:line when a manifest is broken', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'cratewatch-pin-broken-'));
    try {
      cpSync(join(WORKSPACES, 'fleet'), broken, { recursive: true });
      execFileSync('sh', ['-c', 'printf "[dependencies]\\nserde = 1\\n" >> crates/core/Cargo.toml'], { cwd: broken });
      const { code, stderr } = await pin([broken]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^cratewatch: crates\/core\/Cargo\.toml:\d+/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it('exits 0 with nothing to pin', async () => {
    const clean = mkdtempSync(join(tmpdir(), 'cratewatch-pin-clean-'));
    try {
      execFileSync('sh', ['-c', 'printf "[package]\\nname = \\"x\\"\\n" > Cargo.toml'], { cwd: clean });
      expect(await pin([clean])).toEqual({ code: 0, stdout: 'nothing to pin\nnot checked: stale-lower-bound: no Cargo.lock to compare the requirements with\nno pin plan: no Cargo.lock next to Cargo.toml: the plan pins the versions that are locked; run `cargo generate-lockfile` first\n', stderr: '' });
    } finally {
      rmSync(clean, { recursive: true, force: true });
    }
  });
});
