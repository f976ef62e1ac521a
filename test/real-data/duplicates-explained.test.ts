// Duplicates explained on real lockfiles and real crates.io index files from the shared data.
// Each expected value was checked by hand against the files: the dependents of each version
// read from the `dependencies` lists (bat 0.26.1: windows-targets 0.48.5 is used only by
// windows-sys 0.48.0, which only mio 0.8.11 uses, and the seven windows_* 0.48.5 crates only
// by windows-targets 0.48.5; wasi 0.11.0 is used by both mios; thiserror-impl 1.0.69 only by
// thiserror 1.0.69. deps.rs: fnv is used by h2 and gix-index as well as http 0.2.12), and the
// index lines read one by one (`deps` of same-file, walkdir and atty).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainDuplicates, type DependencyIndex } from '../../functions/core/duplicates-explained.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { indexPath, parseIndexDeps } from '../../functions/core/sparse-index.ts';
import { sharedDataDir, sharedLockfile } from '../helpers/shared-data.ts';

const INDEX = join(sharedDataDir, 'crates-index');
const lock = (name: string) => parseLockfile(readFileSync(sharedLockfile(name), 'utf8'), name);
const indexFile = (crate: string) => readFileSync(join(INDEX, indexPath(crate)), 'utf8');

describe.skipIf(!existsSync(sharedLockfile('bat-2025-12-02-979ba22628bc.Cargo.lock')))('bat 2025-12-02 (shared data)', () => {
  // A skipped describe still runs its body to collect the tests: read the lockfile only when it is there.
  const explained = existsSync(sharedLockfile('bat-2025-12-02-979ba22628bc.Cargo.lock')) ? explainDuplicates(lock('bat-2025-12-02-979ba22628bc.Cargo.lock'), null) : [];
  const named = (name: string) => explained.find((d) => d.name === name)!;

  it('finds the 19 duplicated crates and ranks windows-sys first: 21 packages go when all its versions become 0.61.2', () => {
    expect(explained).toHaveLength(19);
    expect(explained[0]!.name).toBe('windows-sys');
    expect(named('windows-sys').disappear).toBe(21);
    expect(named('windows-sys').target.version).toBe('0.61.2');
  });

  it('counts 9 packages behind windows-sys 0.48.0, held by mio 0.8.11 alone, on another semver line', () => {
    const [step] = named('windows-sys').steps;
    expect(step!.version).toBe('0.48.0');
    expect(step!.relation).toBe('semver-incompatible');
    expect(step!.disappear).toBe(9);
    expect(step!.pins.map((p) => p.pin)).toEqual([{ kind: 'crate', name: 'mio', version: '0.8.11', source: 'registry+https://github.com/rust-lang/crates.io-index', requirement: null }]);
  });

  it('counts mio 0.8.11 with its Windows subtree (10) but not wasi 0.11.0, which mio 1.1.0 shares', () => {
    expect(named('mio').disappearing.map((p) => `${p.name} ${p.version}`)).toEqual([
      'mio 0.8.11',
      'windows_aarch64_gnullvm 0.48.5',
      'windows_aarch64_msvc 0.48.5',
      'windows_i686_gnu 0.48.5',
      'windows_i686_msvc 0.48.5',
      'windows_x86_64_gnu 0.48.5',
      'windows_x86_64_gnullvm 0.48.5',
      'windows_x86_64_msvc 0.48.5',
      'windows-sys 0.48.0',
      'windows-targets 0.48.5',
    ]);
  });

  it('counts thiserror 1.0.69 and its thiserror-impl, pinned by minus 5.6.1', () => {
    const thiserror = named('thiserror');
    expect(thiserror.disappear).toBe(2);
    expect(thiserror.versions[0]!.pinnedBy.map((p) => (p.kind === 'crate' ? `${p.name} ${p.version}` : p.member))).toEqual(['minus 5.6.1']);
  });
});

describe.skipIf(!existsSync(sharedLockfile('deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock')))('deps.rs 2026-05-07 (shared data)', () => {
  const explained = existsSync(sharedLockfile('deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock')) ? explainDuplicates(lock('deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock'), null) : [];
  const http = explained.find((d) => d.name === 'http')!;

  it('explains all 72 duplicated crate names', () => {
    expect(explained).toHaveLength(72);
  });

  it('names the four crates holding http 0.2.12 and counts it as the only package to go: fnv is shared with h2 and gix-index', () => {
    expect(http.versions.map((v) => v.version)).toEqual(['0.2.12', '1.4.0']);
    expect(http.versions[0]!.pinnedBy.map((p) => (p.kind === 'crate' ? `${p.name} ${p.version}` : p.member))).toEqual(['actix-http 3.12.1', 'actix-router 0.5.4', 'actix-web-lab 0.26.0', 'h2 0.3.27']);
    expect(http.disappearing).toEqual([{ name: 'http', version: '0.2.12' }]);
    expect(http.steps.map((s) => [s.relation, s.status, s.command])).toEqual([['semver-incompatible', 'unknown', null]]);
  });
});

describe.skipIf(!existsSync(INDEX))('real crates.io index files (shared data)', () => {
  it('reads same-file moving from winapi ^0.2 (1.0.0) to ^0.3 (1.0.1), both for cfg(windows)', () => {
    const releases = parseIndexDeps(indexFile('same-file'), 'same-file', 'winapi');
    expect(releases.filter((r) => ['1.0.0', '1.0.1', '1.0.3'].includes(r.version)).map((r) => [r.version, r.deps.map((d) => `${d.req} ${d.target}`)])).toEqual([
      ['1.0.0', ['^0.2 cfg(windows)']],
      ['1.0.1', ['^0.3 cfg(windows)']],
      ['1.0.3', []],
    ]);
  });

  it('finds walkdir 2.0.0 as the first release after 1.0.7 that allows winapi 0.3: it drops winapi altogether', () => {
    // A lockfile shaped like a 2017 project: walkdir 1.0.7 holds winapi 0.2.8, atty 0.2.6 has 0.3.4.
    const R = 'source = "registry+https://github.com/rust-lang/crates.io-index"';
    const text = `[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n "atty 0.2.6 (registry+https://github.com/rust-lang/crates.io-index)",\n "walkdir 1.0.7 (registry+https://github.com/rust-lang/crates.io-index)",\n]\n\n[[package]]\nname = "atty"\nversion = "0.2.6"\n${R}\ndependencies = [\n "winapi 0.3.4 (registry+https://github.com/rust-lang/crates.io-index)",\n]\n\n[[package]]\nname = "walkdir"\nversion = "1.0.7"\n${R}\ndependencies = [\n "winapi 0.2.8 (registry+https://github.com/rust-lang/crates.io-index)",\n]\n\n[[package]]\nname = "winapi"\nversion = "0.2.8"\n${R}\n\n[[package]]\nname = "winapi"\nversion = "0.3.4"\n${R}\n`;
    const index: DependencyIndex = (crate, on) => (existsSync(join(INDEX, indexPath(crate))) ? { kind: 'found', releases: parseIndexDeps(indexFile(crate), crate, on) } : { kind: 'gone', status: 404 });
    const [winapi] = explainDuplicates(parseLockfile(text, 'Cargo.lock'), null, index);
    expect(winapi!.steps[0]!.pins).toEqual([
      {
        pin: { kind: 'crate', name: 'walkdir', version: '1.0.7', source: 'registry+https://github.com/rust-lang/crates.io-index', requirement: '^0.2' },
        way: { kind: 'release', version: '2.0.0', requirement: null, compatible: false },
      },
    ]);
  });

  it('finds no atty release that allows hermit-abi 0.2: the last, 0.2.14, requires ^0.1.6 on cfg(target_os = "hermit")', () => {
    const releases = parseIndexDeps(indexFile('atty'), 'atty', 'hermit-abi');
    expect(releases.at(-1)).toEqual({ version: '0.2.14', yanked: false, deps: [{ name: 'hermit-abi', package: null, req: '^0.1.6', kind: 'normal', target: 'cfg(target_os = "hermit")', optional: false }] });
    expect(releases.filter((r) => r.deps.length > 0).map((r) => r.version)).toEqual(['0.2.14']);
  });
});
