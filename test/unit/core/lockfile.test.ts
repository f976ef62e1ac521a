import { describe, expect, it } from 'vitest';
import { LockfileParseError } from '../../../functions/core/errors.ts';
import { parseLockfile, parseSource, type Lockfile } from '../../../functions/core/lockfile.ts';
import { fixtureLockfile, fixtureText } from '../../helpers/fixtures.ts';

/** The graph as `name version -> dep dep`, comparable across formats. */
function graph(lockfile: Lockfile): string[] {
  return lockfile.packages.map((p) => {
    const deps = p.dependencies.map((i) => `${lockfile.packages[i]!.name} ${lockfile.packages[i]!.version}`).sort();
    return `${p.name} ${p.version} [${p.source?.kind ?? 'path'}] -> ${deps.join(', ')}`;
  });
}

function parseError(text: string, file = 'Cargo.lock'): LockfileParseError {
  try {
    parseLockfile(text, file);
  } catch (error) {
    if (error instanceof LockfileParseError) return error;
    throw error;
  }
  throw new Error('expected a LockfileParseError');
}

describe('parseLockfile on the same workspace in every format', () => {
  const formats = [
    ['v1.Cargo.lock', 1],
    ['v2.Cargo.lock', 2],
    ['v3.Cargo.lock', 3],
    ['v4.Cargo.lock', 4],
  ] as const;

  it.each(formats)('reads %s as format v%i', (file, format) => {
    expect(fixtureLockfile(file).format).toBe(format);
  });

  it.each(formats)('resolves every dependency string of %s to the same graph', (file) => {
    expect(graph(fixtureLockfile(file))).toEqual(graph(fixtureLockfile('v3.Cargo.lock')));
  });

  it.each(formats)('takes the workspace members of %s (no source) as the roots', (file) => {
    const lockfile = fixtureLockfile(file);
    expect(lockfile.roots.map((i) => lockfile.packages[i]!.name).sort()).toEqual(['my-app', 'my-lib']);
  });

  it('resolves "thiserror 1.0.69" and "thiserror 2.0.12" to the two locked versions', () => {
    const lockfile = fixtureLockfile('v3.Cargo.lock');
    const deps = (name: string) =>
      lockfile.packages.find((p) => p.name === name)!.dependencies.map((i) => `${lockfile.packages[i]!.name} ${lockfile.packages[i]!.version}`);
    expect(deps('my-app')).toContain('thiserror 1.0.69');
    expect(deps('my-lib')).toContain('thiserror 2.0.12');
  });

  it('reads v1 checksums from [metadata] and v2+ checksums inline, identically', () => {
    const checksum = (lockfile: Lockfile, name: string) => lockfile.packages.find((p) => p.name === name)!.checksum;
    const v1 = fixtureLockfile('v1.Cargo.lock');
    const v3 = fixtureLockfile('v3.Cargo.lock');
    expect(checksum(v1, 'hyper')).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(v1, 'hyper')).toBe(checksum(v3, 'hyper'));
    expect(checksum(v1, 'gix-tool')).toBeUndefined();
  });

  it('knows crates.io in both its git and sparse forms, other registries and git sources', () => {
    const v4 = fixtureLockfile('v4.Cargo.lock');
    const source = (name: string) => v4.packages.find((p) => p.name === name)!.source;
    expect(source('base64')).toMatchObject({ kind: 'crates-io', raw: 'sparse+https://index.crates.io/' });
    expect(source('hyper')).toMatchObject({ kind: 'crates-io', raw: 'registry+https://github.com/rust-lang/crates.io-index' });
    expect(source('internal-crate')).toMatchObject({ kind: 'registry', url: 'https://my-registry.example.com/index' });
    expect(source('gix-tool')).toMatchObject({
      kind: 'git',
      url: 'https://github.com/example/gix-tool',
      commit: '0123456789abcdef0123456789abcdef01234567',
      reference: { kind: 'rev', value: '0123456789abcdef0123456789abcdef01234567' },
    });
    expect(source('my-app')).toBeUndefined();
  });

  it('records the line of each [[package]] header', () => {
    const text = fixtureText('v3.Cargo.lock');
    const lockfile = parseLockfile(text, 'v3.Cargo.lock');
    const lines = text.split('\n');
    for (const pkg of lockfile.packages) {
      expect(lines[pkg.line - 1]).toBe('[[package]]');
      expect(lines[pkg.line]).toBe(`name = "${pkg.name}"`);
    }
  });
});

describe('parseSource', () => {
  it.each([
    ['git+https://github.com/a/b?branch=main#abc', { kind: 'git', url: 'https://github.com/a/b', commit: 'abc', reference: { kind: 'branch', value: 'main' } }],
    ['git+https://github.com/a/b?tag=v1.0#abc', { kind: 'git', reference: { kind: 'tag', value: 'v1.0' } }],
    ['git+https://github.com/a/b#abc', { kind: 'git', url: 'https://github.com/a/b', commit: 'abc' }],
    ['sparse+https://my.example/index/', { kind: 'registry', url: 'https://my.example/index/' }],
  ])('reads %s', (raw, expected) => {
    expect(parseSource(raw)).toMatchObject(expected);
  });

  it('returns undefined for a source kind it does not know', () => {
    expect(parseSource('path+file:///x')).toBeUndefined();
  });
});

describe('parseLockfile errors', () => {
  it('reports an empty lockfile as having no packages, not as an error', () => {
    const lockfile = fixtureLockfile('empty.Cargo.lock');
    expect(lockfile.packages).toEqual([]);
    expect(lockfile.format).toBe(4);
  });

  it('names the file and line of a TOML syntax error', () => {
    const error = parseError(fixtureText('malformed-syntax.Cargo.lock'), 'malformed-syntax.Cargo.lock');
    expect(error.message).toMatch(/^malformed-syntax\.Cargo\.lock:\d+:\d+: not valid TOML/);
    expect(error.location.line).toBe(9);
  });

  it('names the line and field of a package without a version', () => {
    const error = parseError(fixtureText('malformed-field.Cargo.lock'), 'malformed-field.Cargo.lock');
    expect(error.location).toMatchObject({ file: 'malformed-field.Cargo.lock', line: 14, field: 'version' });
    expect(error.message).toContain('no `version` string');
  });

  it('names the line of a dependency that is not in the lockfile', () => {
    const error = parseError(fixtureText('dangling-dep.Cargo.lock'), 'dangling-dep.Cargo.lock');
    expect(error.location).toMatchObject({ line: 12, field: 'dependencies' });
    expect(error.message).toContain('"ghost"');
  });

  it.each([
    ['a version that is not semver', '[[package]]\nname = "a"\nversion = "1.0"\n', 2 + 1, 'version', 'not a semantic version'],
    ['an unknown source', '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "svn+https://x"\n', 4, 'source', 'unknown source'],
    ['a dependency list that is not strings', '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = [1]\n', 4, 'dependencies', 'not a list of strings'],
    ['an ambiguous dependency', '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b"]\n\n[[package]]\nname = "b"\nversion = "1.0.0"\n\n[[package]]\nname = "b"\nversion = "2.0.0"\n', 4, 'dependencies', 'matches 2 packages'],
    ['a newer format', 'version = 9\n', 1, 'version', 'newer Cargo'],
    ['a package listed twice', '[[package]]\nname = "a"\nversion = "1.0.0"\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n', 5, undefined, 'listed twice'],
    ['a Cargo.toml given by mistake', '[package]\nname = "a"\nversion = "1.0.0"\n', 1, 'package', 'Cargo.toml'],
  ])('rejects %s with its line', (_what, text, line, field, message) => {
    const error = parseError(text);
    expect(error.location.line).toBe(line);
    if (field) expect(error.location.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('tells v1 from v2 when neither has a version key', () => {
    const v1 = '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)"]\n\n[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n';
    const v2 = '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b"]\n\n[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n';
    expect(parseLockfile(v1, 'a').format).toBe(1);
    expect(parseLockfile(v2, 'b').format).toBe(2);
  });
});
