import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import { duplicateAllowancesFromFiles, parseDenySkips } from '../../../functions/core/repo-ignores.ts';

describe('parseDenySkips', () => {
  it('reads spec strings, { name, version } and { crate, reason } tables of [bans] skip', () => {
    const text = `[bans]
multiple-versions = "deny"
skip = [
  "windows-sys",
  "bitflags@1.3.2",
  "syn:<2",
  { name = "rand", version = "=0.6.5" },
  { crate = "http@0.2.12", reason = "actix-web 4 is on http 0.2" },
]
`;
    expect(parseDenySkips(text, 'deny.toml')).toEqual([
      { name: 'windows-sys', reason: 'skipped in deny.toml', from: 'deny.toml' },
      { name: 'bitflags', version: '=1.3.2', reason: 'skipped in deny.toml', from: 'deny.toml' },
      { name: 'syn', version: '<2', reason: 'skipped in deny.toml', from: 'deny.toml' },
      { name: 'rand', version: '=0.6.5', reason: 'skipped in deny.toml', from: 'deny.toml' },
      { name: 'http', version: '=0.2.12', reason: 'actix-web 4 is on http 0.2', from: 'deny.toml' },
    ]);
  });

  it('reads [[bans.skip]] tables and a file without [bans] as none', () => {
    expect(parseDenySkips('[[bans.skip]]\nname = "rand"\nversion = "0.6"\n', 'deny.toml')).toEqual([{ name: 'rand', version: '0.6', reason: 'skipped in deny.toml', from: 'deny.toml' }]);
    expect(parseDenySkips('[advisories]\nignore = []\n', 'deny.toml')).toEqual([]);
  });

  it.each([
    ['[bans]\nskip = "rand"\n', 2, 'bans.skip', 'expected a list of crate specs'],
    ['[bans]\nskip = [\n  { version = "1" },\n]\n', 2, 'bans.skip[0]', 'expected a crate spec string, or a table with `crate` or `name`'],
    ['[[bans.skip]]\nname = "rand"\nversion = "one"\n', 1, 'bans.skip[0]', 'the version of rand is not a requirement Cargo accepts'],
    ['[bans]\nskip = ["no such/crate"]\n', 2, 'bans.skip[0]', '"no such/crate" is not a crate name'],
  ])('names the file, line and entry of a malformed skip: %s', (text, line, field, message) => {
    let error: unknown;
    try {
      parseDenySkips(text, 'deny.toml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).location).toEqual({ file: 'deny.toml', line, field });
    expect((error as ConfigError).message).toContain(message);
  });
});

describe('duplicateAllowancesFromFiles', () => {
  it('reads deny.toml files only, leaving .cargo/audit.toml alone', () => {
    const files = [
      { path: '.cargo/audit.toml', text: '[advisories]\nignore = ["RUSTSEC-2020-0071"]\n' },
      { path: 'deny.toml', text: '[bans]\nskip = ["windows-sys@0.48.0"]\n' },
    ];
    expect(duplicateAllowancesFromFiles(files)).toEqual([{ name: 'windows-sys', version: '=0.48.0', reason: 'skipped in deny.toml', from: 'deny.toml' }]);
  });
});
