import { describe, expect, it } from 'vitest';
import { parseCargoManifest } from '../../../functions/core/cargo-manifest.ts';
import { ConfigError } from '../../../functions/core/errors.ts';

const MEMBER = `[package]
name = "fleet-api"
version.workspace = true
rust-version.workspace = true

[dependencies]
serde = { workspace = true, features = ["rc"], optional = true }
json = { package = "serde_json", version = "1", default-features = false }
tracing-ext = { git = "https://example.com/t", branch = "main" }
local = { path = "../local" }
thiserror.workspace = true

[dependencies.regex]
version = "1.10"
features = ["std"]

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[target.x86_64-pc-windows-msvc.build-dependencies]
cc = { version = "1.0", registry = "corp" }

[dev_dependencies]
proptest = "1"

[patch.crates-io]
itoa = { git = "https://github.com/dtolnay/itoa", rev = "abc" }

[replace]
"foo:0.1.0" = { path = "vendor/foo" }
`;

describe('parseCargoManifest', () => {
  const m = parseCargoManifest(MEMBER, 'crates/api/Cargo.toml');

  it('reads the package with an inherited rust-version and version', () => {
    expect(m.package).toEqual({ name: 'fleet-api', version: null, rustVersion: null, inheritsRustVersion: true, line: 1 });
  });

  it('reads every dependency table with its kind, target and line', () => {
    expect(m.dependencies.map((d) => [d.key, d.kind, d.target, d.line, d.form])).toEqual([
      ['serde', 'normal', null, 7, 'inline'],
      ['json', 'normal', null, 8, 'inline'],
      ['tracing-ext', 'normal', null, 9, 'inline'],
      ['local', 'normal', null, 10, 'inline'],
      ['thiserror', 'normal', null, 11, 'dotted'],
      ['regex', 'normal', null, 13, 'table'],
      ['libc', 'normal', 'cfg(unix)', 18, 'string'],
      ['cc', 'build', 'x86_64-pc-windows-msvc', 21, 'inline'],
      ['proptest', 'dev', null, 24, 'string'],
    ]);
  });

  it('reads renames, inheritance, features, default-features, optional, git and registry', () => {
    const by = new Map(m.dependencies.map((d) => [d.key, d]));
    expect(by.get('json')).toMatchObject({ name: 'serde_json', version: '1', defaultFeatures: false, keys: ['package', 'version', 'default-features'] });
    expect(by.get('serde')).toMatchObject({ workspace: true, features: ['rc'], optional: true, version: null });
    expect(by.get('thiserror')).toMatchObject({ workspace: true });
    expect(by.get('tracing-ext')!.git).toEqual({ url: 'https://example.com/t', branch: 'main' });
    expect(by.get('local')!.path).toBe('../local');
    expect(by.get('regex')).toMatchObject({ version: '1.10', features: ['std'] });
    expect(by.get('cc')!.registry).toBe('corp');
  });

  it('reads [patch.<registry>] and [replace]', () => {
    expect(m.patch).toHaveLength(1);
    expect(m.patch[0]!.registry).toBe('crates-io');
    expect(m.patch[0]!.dependencies[0]).toMatchObject({ key: 'itoa', line: 27, git: { url: 'https://github.com/dtolnay/itoa', rev: 'abc' } });
    expect(m.replace[0]).toMatchObject({ key: 'foo:0.1.0', line: 30, path: 'vendor/foo' });
  });

  it('reads a workspace root: members, exclude, default-members, package and the dependency table', () => {
    const root = parseCargoManifest(
      '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/old"]\ndefault-members = ["crates/api"]\n\n[workspace.package]\nrust-version = "1.74"\n\n[workspace.dependencies]\nserde = { version = "1", features = ["derive"] }\n',
      'Cargo.toml',
    );
    expect(root.package).toBeNull();
    expect(root.workspace).toMatchObject({ line: 1, members: ['crates/*'], membersLine: 2, exclude: ['crates/old'], defaultMembers: ['crates/api'], package: { 'rust-version': '1.74' }, dependenciesLine: 9 });
    expect(root.workspace!.dependencies[0]).toMatchObject({ key: 'serde', line: 10, table: 'workspace.dependencies', features: ['derive'] });
  });

  it.each([
    ['[dependencies]\nserde = 1\n', 2, 'dependencies.serde', 'a dependency must be a version string or a table'],
    ['[dependencies]\nserde = { version = 1 }\n', 2, 'dependencies.serde.version', 'must be a string'],
    ['[dependencies]\n\nserde = "1.x.2"\n', 3, 'dependencies.serde', 'invalid version requirement'],
    ['[dependencies]\nserde = { workspace = false }\n', 2, 'dependencies.serde.workspace', '`workspace = false` is not allowed'],
    ['[dependencies]\nx = { git = "u", rev = "a", branch = "b" }\n', 2, 'dependencies.x', 'only one of `branch`, `tag` or `rev`'],
    ['[workspace.dependencies]\nx = { version = "1", optional = true }\n', 2, 'workspace.dependencies.x.optional', '`optional` is not allowed'],
    ['[dependencies]\nfeatures = { version = "1", features = "std" }\n', 2, 'dependencies.features.features', 'must be an array of strings'],
  ])('throws ConfigError naming the line and field for %j', (text, line, field, message) => {
    let error: unknown;
    try {
      parseCargoManifest(text, 'crates/a/Cargo.toml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).location).toEqual({ file: 'crates/a/Cargo.toml', line, field });
    expect((error as ConfigError).message).toContain(message);
  });

  it('throws ConfigError with file:line:column on invalid TOML', () => {
    expect(() => parseCargoManifest('[dependencies\n', 'crates/a/Cargo.toml')).toThrow(/^crates\/a\/Cargo\.toml:1:\d+: not valid TOML/);
  });
});
