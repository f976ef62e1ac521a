import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import { globToRegExp, relativePath, resolveWorkspace } from '../../../functions/core/workspace-members.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

const FLEET = readManifests(join(WORKSPACES, 'fleet'));

describe('resolveWorkspace on the fleet fixture', () => {
  const ws = resolveWorkspace('Cargo.toml', FLEET);

  it('takes glob and explicit members, leaves out the excluded folder and the nested workspace', () => {
    expect(ws.members.map((m) => [m.dir, m.name])).toEqual([
      ['crates/api', 'fleet-api'],
      ['crates/core', 'fleet-core'],
      ['crates/net/proto', 'fleet-proto'],
      ['tools/xtask', 'xtask'],
    ]);
    expect(ws.missing).toEqual([]);
    expect(ws.nested).toEqual(['examples/demo/Cargo.toml']);
  });

  it('resolves workspace = true against [workspace.dependencies]: features added, optional kept, the table line known', () => {
    const tokio = ws.dependencies.filter((d) => d.name === 'tokio' && d.member.name === 'fleet-api');
    expect(tokio.map((d) => [d.declared.kind, d.version, d.features, d.inherited?.line])).toEqual([
      ['normal', '1', ['rt-multi-thread', 'macros'], 19],
      ['dev', '1', ['rt-multi-thread', 'test-util'], 19],
    ]);
    const serde = ws.dependencies.find((d) => d.name === 'serde' && d.member.name === 'fleet-core')!;
    expect(serde).toMatchObject({ version: '1.0', features: ['derive'], defaultFeatures: true, optional: false });
  });

  it('gives path dependencies repository-relative folders', () => {
    expect(ws.dependencies.find((d) => d.name === 'fleet-core')!.path).toBe('crates/core');
  });
});

describe('resolveWorkspace rules', () => {
  const file = (path: string, text: string) => ({ path, text });

  it('adds path dependencies inside the root as members, as Cargo does', () => {
    const ws = resolveWorkspace('Cargo.toml', [
      file('Cargo.toml', '[workspace]\nmembers = ["app"]\n'),
      file('app/Cargo.toml', '[package]\nname = "app"\n[dependencies]\nutil = { path = "../libs/util" }\n'),
      file('libs/util/Cargo.toml', '[package]\nname = "util"\n'),
    ]);
    expect(ws.members.map((m) => m.name)).toEqual(['app', 'util']);
  });

  it('counts the root package as the first member and names listed folders without a manifest as missing', () => {
    const ws = resolveWorkspace('Cargo.toml', [file('Cargo.toml', '[package]\nname = "root"\n[workspace]\nmembers = ["gone", "crates/**"]\n'), file('crates/a/b/Cargo.toml', '[package]\nname = "deep"\n')]);
    expect(ws.members.map((m) => m.name)).toEqual(['root', 'deep']);
    expect(ws.missing).toEqual(['gone']);
  });

  it('throws ConfigError at the member line when workspace = true has nothing to inherit', () => {
    expect(() => resolveWorkspace('Cargo.toml', [file('Cargo.toml', '[workspace]\nmembers = ["a"]\n'), file('a/Cargo.toml', '[package]\nname = "a"\n[dependencies]\nserde.workspace = true\n')])).toThrow(
      new ConfigError('`serde` inherits from the workspace (`workspace = true`) but `[workspace.dependencies]` has no `serde`: add it there', { file: 'a/Cargo.toml', line: 4, field: 'dependencies.serde' }),
    );
  });

  it.each([
    ['crates/*', 'crates/api', true],
    ['crates/*', 'crates/net/proto', false],
    ['crates/**', 'crates/net/proto', true],
    ['crates/**/proto', 'crates/proto', true],
    ['crate?/a', 'crates/a', true],
    ['crates/[ab]*', 'crates/api', true],
    ['crates/[!ab]*', 'crates/api', false],
    ['crates/a.b', 'crates/axb', false],
  ])('glob %s matches %s: %s', (pattern, path, expected) => {
    expect(globToRegExp(pattern).test(path)).toBe(expected);
  });

  it.each([
    ['', 'crates/a', 'crates/a'],
    ['sub', 'sub/crates/a', 'crates/a'],
    ['crates/a', 'crates/b', '../b'],
  ])('relativePath(%j, %j) is %j', (from, to, expected) => {
    expect(relativePath(from, to)).toBe(expected);
  });
});
