import { beforeAll, describe, expect, it } from 'vitest';
import { auditRepository } from '../../../functions/app/audit-lockfile.ts';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import type { PathStep } from '../../../functions/core/dependency-paths.ts';
import { LockfileParseError } from '../../../functions/core/errors.ts';
import { CRATES_IO_REGISTRY, CRATES_IO_SPARSE, parseLockfile, parseSource, type Lockfile } from '../../../functions/core/lockfile.ts';
import { fixtureDb, fixtureLockfile, fixtureText } from '../../helpers/fixtures.ts';
import { assertValidResult } from '../../helpers/result-schema.ts';

const TODAY = '2099-06-01';
const formatSteps = (path: PathStep[]) => path.map((s) => `${s.name} ${s.version}`).join(' > ');

/** The graph as `name version -> dep dep`, comparable across formats. */
function graph(lockfile: Lockfile): string[] {
  return lockfile.packages.map((p) => {
    const deps = p.dependencies.map((i) => `${lockfile.packages[i]!.name} ${lockfile.packages[i]!.version}`).sort();
    return `${p.name} ${p.version} [${p.source?.kind ?? 'path'}] -> ${deps.join(', ')}`;
  });
}

const GIT = 'git+https://github.com/example/a';

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

  it.each([
    ['a version that is not semver', '[[package]]\nname = "a"\nversion = "1.0"\n', 2 + 1, 'version', 'not a semantic version'],
    ['an unknown source', '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "svn+https://x"\n', 4, 'source', 'unknown source'],
    ['a dependency list that is not strings', '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = [1]\n', 4, 'dependencies', 'not a list of strings'],
    ['a newer format', 'version = 9\n', 1, 'version', 'newer Cargo'],
    ['a package listed twice', '[[package]]\nname = "a"\nversion = "1.0.0"\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n', 5, undefined, 'listed twice'],
    ['a git package listed twice at two commits (Cargo ignores the commit when it compares sources)', `[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${GIT}#1111"\n\n[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${GIT}.git#2222"\n`, 6, undefined, 'listed twice'],
    ['a dependency entry whose source is not in parentheses', '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b 1.0.0 registry+https://x"]\n', 4, 'dependencies', 'is not "name [version] [(source)]"'],
    ['a dependency entry with a source kind Cargo does not know', '[[package]]\nname = "a"\nversion = "1.0.0"\ndependencies = ["b 1.0.0 (svn+https://x)"]\n', 4, 'dependencies', 'unknown source'],
    ['a [metadata] checksum key that is not "NAME VERSION (SOURCE)"', `[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES_IO_REGISTRY}"\n\n[metadata]\n"checksum a 1.0.0 crates-io" = "ab"\n`, 7, 'metadata', 'is not "name [version] [(source)]"'],
    ['a [metadata] value that is not a string', `[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "${CRATES_IO_REGISTRY}"\n\n[metadata]\n"checksum a 1.0.0 (${CRATES_IO_REGISTRY})" = 1\n`, 7, 'metadata', 'not a string'],
    ['a [root] that is not a table', 'root = "my-app"\n', 1, undefined, '[root] package is not a table'],
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

/** The edges of a package as `name version [kind]`, sorted. */
function edgesOf(lockfile: Lockfile, name: string, kind: string): string[] {
  const pkg = lockfile.packages.find((p) => p.name === name && (p.source?.kind ?? 'path') === kind)!;
  return pkg.dependencies.map((i) => `${lockfile.packages[i]!.name} ${lockfile.packages[i]!.version} [${lockfile.packages[i]!.source?.kind ?? 'path'}]`).sort();
}

describe('parseLockfile reads entries as Cargo does (vendored-v1 … vendored-v4)', () => {
  const vendored = [
    ['vendored-v1.Cargo.lock', 1],
    ['vendored-v2.Cargo.lock', 2],
    ['vendored-v3.Cargo.lock', 3],
    ['vendored-v4.Cargo.lock', 4],
  ] as const;

  it.each(vendored)('reads %s as format v%i, with every entry matched and nothing dropped', (file, format) => {
    const lockfile = fixtureLockfile(file);
    expect(lockfile.format).toBe(format);
    expect(lockfile.warnings).toEqual([]);
    expect(graph(lockfile)).toEqual([
      'app 0.1.0 [path] -> bytes 1.5.0, hyper 0.14.27, smallvec 0.6.13',
      'bytes 1.5.0 [crates-io] -> ',
      'bytes 1.5.0 [git] -> ',
      'h2 0.3.20 [crates-io] -> bytes 1.5.0',
      'hyper 0.14.27 [crates-io] -> bytes 1.5.0, h2 0.3.20, smallvec 0.6.13',
      'maybe-uninit 2.0.0 [crates-io] -> ',
      'smallvec 0.6.13 [path] -> maybe-uninit 2.0.0',
      'smallvec 0.6.13 [crates-io] -> maybe-uninit 2.0.0',
    ]);
  });

  it.each(vendored)('takes "smallvec 0.6.13" without a source to the path package, not the crates.io one of the same version, in %s', (file) => {
    const lockfile = fixtureLockfile(file);
    expect(edgesOf(lockfile, 'app', 'path')).toContain('smallvec 0.6.13 [path]');
    expect(edgesOf(lockfile, 'hyper', 'crates-io')).toContain('smallvec 0.6.13 [crates-io]');
    expect(lockfile.roots.map((i) => `${lockfile.packages[i]!.name} ${lockfile.packages[i]!.source?.kind ?? 'path'}`)).toEqual(['app path', 'smallvec path']);
  });

  it.each(vendored)('matches the git entry of bytes to the ?branch=master package in %s, and the crates.io entry to crates.io', (file) => {
    const lockfile = fixtureLockfile(file);
    expect(edgesOf(lockfile, 'app', 'path')).toContain('bytes 1.5.0 [git]');
    expect(edgesOf(lockfile, 'h2', 'crates-io')).toEqual(['bytes 1.5.0 [crates-io]']);
  });

  it('reads v1 [metadata] checksums keyed by the git source without ?branch=master', () => {
    const v1 = fixtureLockfile('vendored-v1.Cargo.lock');
    const checksums = v1.packages.map((p) => `${p.name} ${p.source?.kind ?? 'path'} ${p.checksum ?? '-'}`);
    expect(checksums).toContain('bytes git -');
    expect(checksums).toContain('bytes crates-io a31cee6ddec967f8ebd6be9921af51ac8f911a5914d707badab4b9c50cb40873');
    expect(checksums).toContain('smallvec crates-io ee77ac1711e79938611931f6ab7fc898aa893924a8dfc2bb5d5175e22756f9d7');
  });

  it.each(vendored)('leaves the [[patch.unused]] entries of %s (a path hyper 0.14.28, a git h2 0.3.26) out of the packages', (file) => {
    const lockfile = fixtureLockfile(file);
    expect(lockfile.packages).toHaveLength(8);
    expect(lockfile.packages.some((p) => p.version === '0.14.28' || p.version === '0.3.26')).toBe(false);
  });
});

describe('parseLockfile on a v1 lockfile with a [root] package (root-v1)', () => {
  const lockfile = fixtureLockfile('root-v1.Cargo.lock');

  it('reads [root] as the first package, at its header line, and as a root', () => {
    expect(lockfile.format).toBe(1);
    expect(lockfile.packages[0]).toMatchObject({ index: 0, name: 'my-app', version: '0.1.0', line: 1 });
    expect(lockfile.packages[0]!.source).toBeUndefined();
    expect(lockfile.roots.map((i) => lockfile.packages[i]!.name)).toEqual(['my-app', 'my-cli']);
  });

  it('resolves the entry "my-app 0.1.0" of the workspace member my-cli to the [root] package', () => {
    expect(edgesOf(lockfile, 'my-cli', 'path')).toEqual(['my-app 0.1.0 [path]', 'smallvec 0.6.13 [crates-io]']);
    expect(lockfile.warnings).toEqual([]);
  });

  it('keeps the dependencies of [root] itself and the checksums of [metadata]', () => {
    expect(edgesOf(lockfile, 'my-app', 'path')).toEqual(['hyper 0.10.16 [crates-io]', 'time 0.1.38 [crates-io]']);
    expect(lockfile.packages.find((p) => p.name === 'time')!.checksum).toBe('e60e81adb317e3c64c192d5ade0cfa46bf6f3f6bed71ac0c9b1dbbbe025c1828');
  });
});

describe('parseLockfile drops the entries Cargo skips, with a warning each', () => {
  it('drops "ghost" (no such package) from dangling-dep.Cargo.lock and keeps the rest of the graph', () => {
    const lockfile = fixtureLockfile('dangling-dep.Cargo.lock');
    expect(lockfile.warnings).toHaveLength(1);
    expect(lockfile.warnings[0]).toMatchObject({ line: 12, field: 'dependencies' });
    expect(lockfile.warnings[0]!.message).toMatch(/^dangling-dep\.Cargo\.lock:12 \(field `dependencies`\): dependency "ghost" of alpha 1\.2\.0 names no single package \(no package named "ghost" is locked\)/);
    expect(lockfile.warnings[0]!.message).toContain('cargo update --workspace');
    expect(edgesOf(lockfile, 'alpha', 'crates-io')).toEqual(['beta 0.4.1 [crates-io]']);
  });

  it('drops the five entries of unmatched-entries.Cargo.lock that name no single package, each at its line with why', () => {
    const lockfile = fixtureLockfile('unmatched-entries.Cargo.lock');
    expect(lockfile.warnings.map((w) => [w.line, /names no single package \((.*)\); Cargo skips/.exec(w.message)?.[1]])).toEqual([
      [9, 'the entry gives no source and bytes 1.5.0 is locked from 2 sources (registry+https://github.com/rust-lang/crates.io-index, git+https://github.com/example/bytes?branch=main)'],
      [10, 'forked 1.0.0 is not locked from that source, only from git+https://github.com/example/forked?branch=master'],
      [11, 'no package named "ghost" is locked'],
      [13, 'log is locked at 0.4.20, not at 0.4.99'],
      [14, 'the entry gives no version and syn is locked at 2 versions (1.0.109, 2.0.48)'],
    ]);
    expect(edgesOf(lockfile, 'app', 'path')).toEqual(['h2 0.3.20 [crates-io]']);
    expect(edgesOf(lockfile, 'h2', 'crates-io')).toEqual(['bytes 1.5.0 [crates-io]']);
  });

  it.each([
    ['no version and two versions locked', 'dependencies = ["b"]', '[[package]]\nname = "b"\nversion = "1.0.0"\n\n[[package]]\nname = "b"\nversion = "2.0.0"\n', 'the entry gives no version and b is locked at 2 versions'],
    ['an empty entry', 'dependencies = [""]', '', 'no package named "" is locked'],
    ['a version given with nothing after it', 'dependencies = ["b "]', '[[package]]\nname = "b"\nversion = "1.0.0"\n', 'b is locked at 1.0.0, not at '],
  ])('drops an entry with %s', (_what, deps, more, problem) => {
    const lockfile = parseLockfile(`[[package]]\nname = "a"\nversion = "0.1.0"\n${deps}\n\n${more}`, 'Cargo.lock');
    expect(lockfile.warnings.map((w) => w.line)).toEqual([4]);
    expect(lockfile.warnings[0]!.message).toContain(problem);
    expect(lockfile.packages[0]!.dependencies).toEqual([]);
  });
});

describe('parseLockfile compares sources as Cargo does', () => {
  const lock = (format: string, entry: string, source: string) =>
    parseLockfile(
      `${format}[[package]]\nname = "a"\nversion = "0.1.0"\ndependencies = [\n "b 1.0.0 (${entry})",\n]\n\n[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "${source}"\n`,
      'Cargo.lock',
    );

  it.each([
    ['v1/v2 (no version key)', '', 'git+https://github.com/example/b', 1],
    ['v3', 'version = 3\n\n', 'git+https://github.com/example/b', 0],
    ['v4', 'version = 4\n\n', 'git+https://github.com/example/b', 0],
    ['v3, the entry with the query', 'version = 3\n\n', 'git+https://github.com/example/b?branch=master', 1],
  ])('in %s matches a package at ?branch=master from the entry %s only when the format folds the query (%i edge)', (_what, format, entry, edges) => {
    const lockfile = lock(format, entry, 'git+https://github.com/example/b?branch=master#0123456789abcdef0123456789abcdef01234567');
    expect(lockfile.packages[0]!.dependencies).toHaveLength(edges);
    expect(lockfile.warnings).toHaveLength(1 - edges);
  });

  it.each([
    ['a .git suffix and upper case on github.com', 'git+https://github.com/Example/B.git', 'git+https://github.com/example/b#0123'],
    ['a trailing slash', 'git+https://git.example.com/b/', 'git+https://git.example.com/b#0123'],
    ['the older ref= query for a branch', 'git+https://git.example.com/b?ref=next', 'git+https://git.example.com/b?branch=next#0123'],
    ['the same tag', 'git+https://git.example.com/b?tag=v1.0.0', 'git+https://git.example.com/b?tag=v1.0.0#0123'],
  ])('matches a git entry to its package across %s', (_what, entry, source) => {
    expect(lock('version = 3\n\n', entry, source).packages[0]!.dependencies).toEqual([1]);
  });

  it.each([
    ['another branch', 'git+https://git.example.com/b?branch=main', 'git+https://git.example.com/b?branch=next#0123'],
    ['a tag for a rev', 'git+https://git.example.com/b?tag=v1', 'git+https://git.example.com/b?rev=v1#0123'],
    ['upper case off github.com', 'git+https://git.example.com/B', 'git+https://git.example.com/b#0123'],
    ['the sparse form of crates.io for the git form', CRATES_IO_SPARSE, CRATES_IO_REGISTRY],
  ])('does not match an entry to a package from %s', (_what, entry, source) => {
    const lockfile = lock('version = 3\n\n', entry, source);
    expect(lockfile.packages[0]!.dependencies).toEqual([]);
    expect(lockfile.warnings[0]!.message).toContain('is not locked from that source');
  });
});

describe('parseLockfile tells v1 from v2 as Cargo does when there is no version key', () => {
  const one = '[[package]]\nname = "a"\nversion = "0.1.0"\n';

  it('reads a single package ending in one newline as v2, and in a blank line as v1', () => {
    expect(parseLockfile(one, 'a').format).toBe(2);
    expect(parseLockfile(`${one}\n`, 'a').format).toBe(1);
  });

  it('reads an entry that leaves out the source of a crates.io package as v2', () => {
    const text = `[[package]]\nname = "a"\nversion = "0.1.0"\ndependencies = ["b 1.0.0"]\n\n[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "${CRATES_IO_REGISTRY}"\n\n`;
    expect(parseLockfile(text, 'a').format).toBe(2);
  });

  it('drops every checksum when [metadata] checksums sit in a v2 file (a bad merge), as Cargo does', () => {
    const text = `[[package]]\nname = "b"\nversion = "1.0.0"\nsource = "${CRATES_IO_REGISTRY}"\nchecksum = "${'a'.repeat(64)}"\n\n[[package]]\nname = "c"\nversion = "1.0.0"\nsource = "${CRATES_IO_REGISTRY}"\n\n[metadata]\n"checksum c 1.0.0 (${CRATES_IO_REGISTRY})" = "${'c'.repeat(64)}"\n`;
    const lockfile = parseLockfile(text, 'a');
    expect(lockfile.format).toBe(2);
    expect(lockfile.packages.map((p) => p.checksum)).toEqual([undefined, undefined]);
  });
});

describe('auditing each shape (fixture advisory database)', () => {
  let db: AdvisoryDb;
  beforeAll(async () => {
    db = await fixtureDb();
  });
  const found = (file: string) =>
    auditLockfile(fixtureLockfile(file), db, { today: TODAY }).findings.map((f) => `${f.package.name} ${f.package.version} ${f.package.source} ${f.advisory?.id}: ${f.paths.map(formatSteps).join(' | ')}`);

  it.each(['vendored-v1.Cargo.lock', 'vendored-v2.Cargo.lock', 'vendored-v3.Cargo.lock', 'vendored-v4.Cargo.lock'])(
    'finds the crates.io hyper, h2, smallvec and bytes of %s through hyper, and nothing in the path smallvec or the git bytes',
    (file) => {
      expect(found(file)).toEqual([
        `hyper 0.14.27 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0001: app 0.1.0 > hyper 0.14.27`,
        `h2 0.3.20 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0002: app 0.1.0 > hyper 0.14.27 > h2 0.3.20`,
        `smallvec 0.6.13 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0004: app 0.1.0 > hyper 0.14.27 > smallvec 0.6.13`,
        `bytes 1.5.0 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0008: app 0.1.0 > hyper 0.14.27 > bytes 1.5.0`,
      ]);
    },
  );

  it('finds hyper and time of root-v1.Cargo.lock through the [root] package and smallvec through my-cli', () => {
    expect(found('root-v1.Cargo.lock')).toEqual([
      `hyper 0.10.16 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0001: my-app 0.1.0 > hyper 0.10.16`,
      `time 0.1.38 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0005: my-app 0.1.0 > time 0.1.38`,
      `smallvec 0.6.13 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0004: my-cli 0.1.0 > smallvec 0.6.13`,
    ]);
  });

  it('gives dangling-dep.Cargo.lock the status warnings, with the dropped entry listed and nothing else found', () => {
    const lockfile = fixtureLockfile('dangling-dep.Cargo.lock');
    const result = auditLockfile(lockfile, db, { today: TODAY });
    expect(result.findings).toEqual([]);
    expect(result.status).toBe('warnings');
    expect(result.warnings).toEqual(lockfile.warnings);
  });

  it('audits unmatched-entries.Cargo.lock: h2 and bytes are found through the edges that remain', () => {
    const result = auditLockfile(fixtureLockfile('unmatched-entries.Cargo.lock'), db, { today: TODAY });
    expect(found('unmatched-entries.Cargo.lock')).toEqual([
      `h2 0.3.20 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0002: app 0.1.0 > h2 0.3.20`,
      `bytes 1.5.0 ${CRATES_IO_REGISTRY} RUSTSEC-2099-0008: app 0.1.0 > h2 0.3.20 > bytes 1.5.0`,
    ]);
    expect(result.status).toBe('failing');
    expect(result.warnings).toHaveLength(5);
  });

  it('lists no warnings for a lockfile where every entry is matched (vendored-v2)', () => {
    expect(auditLockfile(fixtureLockfile('vendored-v2.Cargo.lock'), db, { today: TODAY }).warnings).toEqual([]);
  });

  it('writes a result document with the warnings that matches result.schema.json', () => {
    const text = fixtureText('unmatched-entries.Cargo.lock');
    const doc = auditRepository({
      repository: { name: 'app', source: 'local', ref: null, commit: null },
      lockfiles: [{ path: 'Cargo.lock', text }],
      db,
      dbLocation: 'fixture',
      ignores: [],
      deny: [],
      now: new Date('2099-06-01T00:00:00Z'),
    });
    expect(doc.lockfiles[0]!.warnings!.map((w) => w.line)).toEqual([9, 10, 11, 13, 14]);
    expect(() => assertValidResult(doc)).not.toThrow();
    expect(() => assertValidResult({ ...doc, lockfiles: [{ ...doc.lockfiles[0]!, warnings: [{ message: 'x', line: null, field: 'dependencies' }] }] })).toThrow(/warnings/);
  });
});
