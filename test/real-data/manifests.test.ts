// Pinning findings and pin plans of the real workspaces in the shared data, each finding
// checked by hand against the files: ripgrep 15.0.0 (root + 9 members, with its Cargo.lock;
// locked versions read from that lockfile: bstr 1.12.0, termcolor 1.4.1, walkdir 2.5.0,
// memchr 2.7.6, regex 1.12.2, arbitrary 1.4.2, log 0.4.28, winapi-util 0.1.11) and llama-orch
// (root + 4 of its 43 members, no lockfile).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPins } from '../../functions/app/pin-workspace.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { findLocked } from '../../functions/core/pinning.ts';
import { resolveWorkspace } from '../../functions/core/workspace-members.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { readManifests } from '../helpers/workspace-fixtures.ts';

const MANIFESTS = join(sharedDataDir, 'manifests');
const RIPGREP = join(MANIFESTS, 'ripgrep');
const LLAMA = join(MANIFESTS, 'llama-orch');
const lines = (check: ReturnType<typeof checkPins>) => check.findings.map((f) => `${f.kind} ${f.file}:${f.line} ${f.crate}`);

describe.skipIf(!existsSync(RIPGREP))('ripgrep 15.0.0 workspace (shared data)', () => {
  // A skipped describe still runs its body to collect the tests: read the files only when they are there.
  const present = existsSync(RIPGREP);
  const lock = present ? { path: 'Cargo.lock', text: readFileSync(join(RIPGREP, 'Cargo.lock'), 'utf8') } : null!;
  const files = present ? readManifests(RIPGREP) : [];
  const check = present ? checkPins('Cargo.toml', files, lock) : null!;

  it('finds the root package and its nine members', () => {
    expect(check.members).toEqual(['ripgrep', 'globset', 'grep', 'grep-cli', 'grep-matcher', 'grep-pcre2', 'grep-printer', 'grep-regex', 'grep-searcher', 'ignore']);
    expect(check.notChecked).toEqual([]);
  });

  it('reports the requirements a minor behind Cargo.lock and the crates members require differently', () => {
    expect(lines(check)).toEqual([
      'inconsistent-requirements Cargo.toml:54 bstr', // 1.7.0 here, 1.6.2 in six members
      'stale-lower-bound Cargo.toml:54 bstr',
      'inconsistent-requirements Cargo.toml:58 log', // 0.4.5 here and in printer, 0.4.20 elsewhere
      'inconsistent-requirements Cargo.toml:59 serde_json', // 1.0.23 here, 1.0.107 in globset and printer
      'inconsistent-requirements Cargo.toml:60 termcolor', // 1.1.0, 1.0.4 (grep), 1.3.0 (cli, printer)
      'stale-lower-bound Cargo.toml:60 termcolor',
      'inconsistent-requirements Cargo.toml:67 serde', // 1.0.77, 1.0.188 (globset), 1.0.193 (printer)
      'inconsistent-requirements Cargo.toml:69 walkdir', // "2", 2.2.7 (grep), 2.4.0 (ignore)
      'stale-lower-bound Cargo.toml:69 walkdir',
      'stale-lower-bound crates/cli/Cargo.toml:17 bstr',
      'stale-lower-bound crates/cli/Cargo.toml:20 termcolor',
      'inconsistent-requirements crates/cli/Cargo.toml:22 winapi-util', // 0.1.6 here, 0.1.2 in ignore
      'stale-lower-bound crates/globset/Cargo.toml:24 arbitrary',
      'stale-lower-bound crates/globset/Cargo.toml:25 bstr',
      'stale-lower-bound crates/grep/Cargo.toml:25 termcolor',
      'stale-lower-bound crates/grep/Cargo.toml:26 walkdir',
      'stale-lower-bound crates/ignore/Cargo.toml:25 memchr',
      'stale-lower-bound crates/ignore/Cargo.toml:27 walkdir',
      'stale-lower-bound crates/ignore/Cargo.toml:38 bstr',
      'stale-lower-bound crates/matcher/Cargo.toml:18 memchr',
      'stale-lower-bound crates/matcher/Cargo.toml:21 regex',
      'stale-lower-bound crates/printer/Cargo.toml:22 bstr',
      'stale-lower-bound crates/printer/Cargo.toml:26 termcolor',
      'stale-lower-bound crates/regex/Cargo.toml:17 bstr',
      'stale-lower-bound crates/searcher/Cargo.toml:17 bstr',
      'stale-lower-bound crates/searcher/Cargo.toml:22 memchr',
      'stale-lower-bound crates/searcher/Cargo.toml:27 regex',
    ]);
  });

  it('plans a table for the shared crates, path crates with their path, and default features off where a member turned them off', () => {
    expect(check.plan.block).toBe(
      [
        '[workspace.dependencies]',
        'bstr = { version = "1.12", default-features = false }',
        'globset = { version = "0.4.17", path = "crates/globset" }',
        'grep-matcher = { version = "0.1.8", path = "crates/matcher" }',
        'grep-regex = { version = "0.1.14", path = "crates/regex" }',
        'grep-searcher = { version = "0.1.15", path = "crates/searcher" }',
        'log = "0.4.20"',
        'memchr = "2.7"',
        'regex = "1.12"',
        'regex-automata = { version = "0.4", default-features = false }',
        'regex-syntax = { version = "0.8", default-features = false }',
        'serde = "1.0.193"',
        'serde_json = "1.0.107"',
        'termcolor = "1.4"',
        'walkdir = "2.5"',
        'winapi-util = "0.1.6"',
        '',
      ].join('\n'),
    );
    expect(check.plan.skipped).toEqual([]);
  });

  it('after the plan: every requirement admits the same locked version, and nothing is left to pin', () => {
    const lockfile = parseLockfile(lock.text, 'Cargo.lock');
    const edited = files.map((f) => ({ path: f.path, text: check.plan.patches.find((p) => p.file === f.path)?.text ?? f.text }));
    const locked = (fs: typeof files) =>
      resolveWorkspace('Cargo.toml', fs).dependencies.map((d) => `${d.member.name} ${d.declared.kind} ${d.name} ${findLocked(lockfile, { name: d.name, version: d.version, path: d.path, git: d.git })?.version}`);
    expect(locked(edited)).toEqual(locked(files));
    expect(locked(files).filter((l) => l.endsWith(' undefined'))).toEqual([]);
    const after = checkPins('Cargo.toml', edited, lock);
    expect(after.findings).toEqual([]);
    expect(after.plan.diff).toBe('');
  });
});

describe.skipIf(!existsSync(LLAMA))('llama-orch workspace, 4 of 43 members, no lockfile (shared data)', () => {
  const check = existsSync(LLAMA) ? checkPins('Cargo.toml', readManifests(LLAMA), null) : null!;

  it('reads the four members present and lists the 39 missing', () => {
    expect(check.members).toEqual(['audit-logging', 'secrets-management', 'observability-narration-core', 'xtask']);
    expect(check.missingMembers).toHaveLength(39);
  });

  it('reports members declaring crates the workspace table has, and the two crates required differently', () => {
    expect(lines(check)).toEqual([
      'not-inherited bin/98_security_crates/audit-logging/Cargo.toml:22 sha2',
      // hmac and reqwest sit under [target.'cfg(unix)'.dependencies] (line 29): the comment on
      // line 32 starts no new table, so these "optional platform" crates are unix-only.
      'not-inherited bin/98_security_crates/audit-logging/Cargo.toml:33 hmac',
      'inconsistent-requirements bin/98_security_crates/audit-logging/Cargo.toml:35 reqwest', // 0.11 here, 0.12.23 via the table in narration-core
      'not-inherited bin/98_security_crates/audit-logging/Cargo.toml:35 reqwest',
      'not-inherited bin/98_security_crates/secrets-management/Cargo.toml:15 subtle',
      'not-inherited bin/98_security_crates/secrets-management/Cargo.toml:16 hkdf',
      'not-inherited bin/98_security_crates/secrets-management/Cargo.toml:17 sha2',
      'not-inherited bin/99_shared_crates/narration-core/Cargo.toml:22 once_cell',
      'not-inherited bin/99_shared_crates/narration-core/Cargo.toml:28 futures',
      'not-inherited bin/99_shared_crates/narration-core/Cargo.toml:34 tokio', // the dev-dependency
      'not-inherited bin/99_shared_crates/narration-core/Cargo.toml:39 futures', // the dev-dependency
      'inconsistent-requirements xtask/Cargo.toml:30 regex', // 1.10 here, "1" via the table in narration-core
      'not-inherited xtask/Cargo.toml:30 regex',
      'not-inherited xtask/Cargo.toml:31 chrono',
      'not-inherited xtask/Cargo.toml:35 uuid',
      'not-inherited xtask/Cargo.toml:44 futures',
      'not-inherited xtask/Cargo.toml:48 tracing',
      'not-inherited xtask/Cargo.toml:49 tracing-subscriber',
    ]);
    const target = resolveWorkspace('Cargo.toml', readManifests(LLAMA)).dependencies.filter((d) => d.member.name === 'audit-logging' && d.declared.target !== null);
    expect(target.map((d) => `${d.name} ${d.declared.target}`)).toEqual(['nix cfg(unix)', 'hmac cfg(unix)', 'ed25519-dalek cfg(unix)', 'reqwest cfg(unix)']);
  });

  it('checks neither unused entries (members missing) nor floors (no lockfile), and makes no plan', () => {
    expect(check.notChecked.map((n) => n.split(':')[0])).toEqual(['stale-lower-bound', 'unused-workspace-dependency']);
    expect(check.plan.notPlanned).toBe('no Cargo.lock next to Cargo.toml: the plan pins the versions that are locked; run `cargo generate-lockfile` first');
  });
});
