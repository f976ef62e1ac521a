import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import { planPins } from '../../../functions/core/pin-plan.ts';
import { resolveWorkspace } from '../../../functions/core/workspace-members.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

const DIR = join(WORKSPACES, 'fleet');
const lockfile = parseLockfile(readFileSync(join(DIR, 'Cargo.lock'), 'utf8'), 'Cargo.lock');
const plan = planPins(resolveWorkspace('Cargo.toml', readManifests(DIR)), lockfile);
const patch = (file: string) => plan.patches.find((p) => p.file === file)!;

describe('planPins on the fleet fixture', () => {
  it('moves crates used by two or more members into the table, on the locked minor, keeping the highest floor already asked for', () => {
    expect(plan.entries.filter((e) => !e.existing).map((e) => e.toml)).toEqual([
      'bytes = { version = "1.6", default-features = false }',
      'log = "0.4.20"',
      'json = { version = "1.0.100", package = "serde_json" }',
    ]);
  });

  it('raises the existing entries that a member or the lockfile asks more of, and keeps their features', () => {
    expect(plan.entries.filter((e) => e.existing).map((e) => [e.toml, e.members])).toEqual([
      ['anyhow = "1.0.80"', ['fleet-api']],
      ['serde = { version = "1.0", features = ["derive"] }', []],
      ['tokio = { version = "1.38", features = ["rt-multi-thread"] }', ['xtask']],
    ]);
    expect(patch('Cargo.toml').diff).toContain('-tokio = { version = "1", features = ["rt-multi-thread"] } # stale: Cargo.lock has 1.38.0\n+tokio = { version = "1.38", features = ["rt-multi-thread"] } # stale: Cargo.lock has 1.38.0\n');
  });

  it('switches member lines to workspace = true, keeping their own features, optional, comments and default-features rules', () => {
    const api = patch('crates/api/Cargo.toml').text;
    expect(api).toContain('anyhow = { workspace = true } # the workspace table has anyhow\n');
    expect(api).toContain('json = { workspace = true }\n');
    expect(patch('tools/xtask/Cargo.toml').text).toContain('tokio = { workspace = true, features = ["macros"] }\n');
    // The table turns default features off for proto; core had them on, so it turns them back on.
    expect(patch('crates/core/Cargo.toml').text).toContain('bytes = { workspace = true, default-features = true }\n');
    expect(patch('crates/net/proto/Cargo.toml').text).toContain('# no default features: proto builds for no_std targets too\nbytes = { workspace = true }\n');
  });

  it('pins single-member requirements and git branches in place', () => {
    expect(patch('crates/api/Cargo.toml').text).toContain('http = "1.1"\n');
    expect(patch('crates/api/Cargo.toml').text).toContain('tracing-ext = { git = "https://github.com/example/tracing-ext", rev = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b" }\n');
    expect(patch('tools/xtask/Cargo.toml').text).toContain('clap = { version = "4.5", features = ["derive"] }\n');
    expect(patch('Cargo.toml').text).toContain('itoa = { git = "https://github.com/dtolnay/itoa", rev = "3f1d4e2b9c8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e" }\n');
  });

  it('leaves a member alone when inheriting would add a feature, and says why', () => {
    expect(plan.skipped).toEqual([{ crate: 'serde', file: 'tools/xtask/Cargo.toml', line: 11, reason: 'the workspace entry enables derive, which xtask does not: inheriting would add features' }]);
    expect(patch('tools/xtask/Cargo.toml').text).toContain('serde = "1"\n');
  });

  it('suggests the whole table as a block ready to paste', () => {
    expect(plan.block).toBe(
      '[workspace.dependencies]\nserde = { version = "1.0", features = ["derive"] }\ntokio = { version = "1.38", features = ["rt-multi-thread"] }\nanyhow = "1.0.80"\nonce_cell = "1.19"\nbytes = { version = "1.6", default-features = false }\nlog = "0.4.20"\njson = { version = "1.0.100", package = "serde_json" }\n',
    );
  });

  it('edits only the files that change, and the diff is the whole of the change', () => {
    expect(plan.patches.map((p) => p.file)).toEqual(['Cargo.toml', 'crates/api/Cargo.toml', 'crates/core/Cargo.toml', 'crates/net/proto/Cargo.toml', 'tools/xtask/Cargo.toml']);
    expect(plan.diff).toBe(plan.patches.map((p) => p.diff).join(''));
  });

  it('moves table-form entries by replacing their keys, not the table', () => {
    const ws = resolveWorkspace('Cargo.toml', [
      { path: 'Cargo.toml', text: '[workspace]\nmembers = ["a", "b"]\n' },
      { path: 'a/Cargo.toml', text: '[package]\nname = "a"\n\n[dependencies.regex]\nversion = "1.9"\n# keep this comment\nfeatures = ["std"]\n' },
      { path: 'b/Cargo.toml', text: '[package]\nname = "b"\n\n[dependencies]\nregex = { version = "1", features = ["std", "perf"] }\n' },
    ]);
    const lock = parseLockfile('version = 4\n\n[[package]]\nname = "regex"\nversion = "1.10.5"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n', 'Cargo.lock');
    const small = planPins(ws, lock);
    expect(small.patches.map((p) => p.text)).toEqual([
      '[workspace]\nmembers = ["a", "b"]\n\n[workspace.dependencies]\nregex = { version = "1.10", features = ["std"] }\n',
      '[package]\nname = "a"\n\n[dependencies.regex]\nworkspace = true\n# keep this comment\n',
      '[package]\nname = "b"\n\n[dependencies]\nregex = { workspace = true, features = ["perf"] }\n',
    ]);
  });

  it('makes no plan without a lockfile and says why', () => {
    const none = planPins(resolveWorkspace('Cargo.toml', readManifests(DIR)), null);
    expect(none.notPlanned).toBe('no Cargo.lock next to Cargo.toml: the plan pins the versions that are locked; run `cargo generate-lockfile` first');
    expect(none.diff).toBe('');
  });
});
