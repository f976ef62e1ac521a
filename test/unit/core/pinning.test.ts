import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import { findPinningIssues } from '../../../functions/core/pinning.ts';
import { resolveWorkspace } from '../../../functions/core/workspace-members.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

const DIR = join(WORKSPACES, 'fleet');
const workspace = resolveWorkspace('Cargo.toml', readManifests(DIR));
const lockfile = parseLockfile(readFileSync(join(DIR, 'Cargo.lock'), 'utf8'), 'Cargo.lock');

describe('findPinningIssues on the fleet fixture', () => {
  const { findings, notChecked } = findPinningIssues(workspace, lockfile);
  const at = (kind: string) => findings.filter((f) => f.kind === kind).map((f) => `${f.file}:${f.line} ${f.crate} ${f.member ?? '-'}`);

  it('reports the unbounded requirements "*" and ">= 1.4", with the locked minor as the edit', () => {
    expect(at('unbounded-requirement')).toEqual(['crates/api/Cargo.toml:11 http fleet-api', 'crates/core/Cargo.toml:10 bytes fleet-core']);
    expect(findings.find((f) => f.crate === 'http')!.suggestion).toBe('version = "1.1"');
  });

  it('reports the git dependency and the [patch] on a branch, with the locked commit as the rev', () => {
    expect(at('git-without-rev')).toEqual(['Cargo.toml:24 itoa -', 'crates/api/Cargo.toml:15 tracing-ext fleet-api']);
    expect(findings.find((f) => f.crate === 'tracing-ext')!.suggestion).toBe('rev = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"');
  });

  it('reports crates required differently by different members, inherited requirements included', () => {
    expect(at('inconsistent-requirements')).toEqual([
      'crates/api/Cargo.toml:10 anyhow fleet-api',
      'crates/api/Cargo.toml:12 log fleet-api',
      'crates/api/Cargo.toml:14 serde_json fleet-api',
      'crates/core/Cargo.toml:10 bytes fleet-core',
      'tools/xtask/Cargo.toml:12 tokio xtask',
    ]);
    expect(findings.find((f) => f.kind === 'inconsistent-requirements' && f.crate === 'log')!.message).toBe(
      'log is required differently by different members: "0.4" (fleet-api, xtask), "0.4.20" (fleet-core); require it once in [workspace.dependencies]',
    );
  });

  it('reports members declaring their own copy of a workspace-table crate, with the inheriting line as the edit', () => {
    expect(at('not-inherited')).toEqual(['crates/api/Cargo.toml:10 anyhow fleet-api', 'tools/xtask/Cargo.toml:11 serde xtask', 'tools/xtask/Cargo.toml:12 tokio xtask']);
    expect(findings.find((f) => f.kind === 'not-inherited' && f.crate === 'tokio')!.suggestion).toBe('tokio = { workspace = true, features = ["macros"] }');
  });

  it('reports the workspace entry no member inherits', () => {
    expect(at('unused-workspace-dependency')).toEqual(['Cargo.toml:21 once_cell -']);
  });

  it('reports requirements whose floor is a minor behind Cargo.lock, once for an inherited one', () => {
    expect(at('stale-lower-bound')).toEqual(['Cargo.toml:19 tokio -', 'crates/net/proto/Cargo.toml:8 bytes fleet-proto', 'tools/xtask/Cargo.toml:9 clap xtask']);
    expect(findings.find((f) => f.kind === 'stale-lower-bound' && f.crate === 'clap')!.message).toBe('clap = "4.4" admits 4.4.0 but Cargo.lock has 4.5.4: raise it to "4.5"');
    expect(notChecked).toEqual([]);
  });

  it('leaves the excluded crate and the nested workspace out', () => {
    expect(findings.filter((f) => f.file.startsWith('crates/experimental') || f.file.startsWith('examples/'))).toEqual([]);
  });

  it('skips the lockfile check without a lockfile and says so', () => {
    const report = findPinningIssues(workspace, null);
    expect(report.findings.filter((f) => f.kind === 'stale-lower-bound')).toEqual([]);
    expect(report.notChecked).toEqual(['stale-lower-bound: no Cargo.lock to compare the requirements with']);
  });

  it('does not call an entry unused when listed members were not read', () => {
    const partial = resolveWorkspace('Cargo.toml', readManifests(DIR).filter((f) => !f.path.startsWith('crates/net/')));
    const report = findPinningIssues(partial, lockfile);
    expect(report.findings.filter((f) => f.kind === 'unused-workspace-dependency')).toEqual([]);
    expect(report.notChecked).toEqual(['unused-workspace-dependency: 1 member(s) listed in Cargo.toml have no Cargo.toml among the files read (crates/net/proto)']);
  });
});
