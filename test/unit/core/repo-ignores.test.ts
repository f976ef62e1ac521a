import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import { parseCargoAuditToml, parseDenyToml } from '../../../functions/core/repo-ignores.ts';

describe('parseCargoAuditToml', () => {
  it('reads [advisories] ignore and [output] deny', () => {
    const text = '[advisories]\nignore = ["RUSTSEC-2020-0071", "RUSTSEC-2023-0018"]\nseverity_threshold = "low"\n\n[output]\ndeny = ["unmaintained"]\nquiet = false\n';
    expect(parseCargoAuditToml(text, '.cargo/audit.toml')).toEqual({
      ignores: [
        { id: 'RUSTSEC-2020-0071', reason: 'ignored in .cargo/audit.toml' },
        { id: 'RUSTSEC-2023-0018', reason: 'ignored in .cargo/audit.toml' },
      ],
      deny: ['unmaintained'],
    });
  });

  it('reads a file with neither table as no ignores', () => {
    expect(parseCargoAuditToml('[database]\nfetch = false\n', 'a.toml')).toEqual({ ignores: [], deny: [] });
  });

  it.each([
    ['[advisories]\nignore = "RUSTSEC-2020-0071"\n', 2, 'advisories.ignore'],
    ['[output]\n\ndeny = ["everything"]\n', 3, 'output.deny'],
    ['[advisories\nignore = []\n', 1, undefined],
  ])('names the line and field of a mistake', (text, line, field) => {
    let error: unknown;
    try {
      parseCargoAuditToml(text, '.cargo/audit.toml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).location.line).toBe(line);
    if (field) expect((error as ConfigError).location.field).toBe(field);
    expect((error as ConfigError).message).toMatch(/^\.cargo\/audit\.toml:/);
  });
});

describe('parseDenyToml', () => {
  it('reads ids and { id, reason } tables and leaves crate-wide entries to cargo-deny', () => {
    const text = '[advisories]\nignore = [\n  "RUSTSEC-2020-0071",\n  { id = "RUSTSEC-2024-0436", reason = "paste is only used at build time" },\n  { crate = "openssl" },\n]\n';
    expect(parseDenyToml(text, 'deny.toml').ignores).toEqual([
      { id: 'RUSTSEC-2020-0071', reason: 'ignored in deny.toml' },
      { id: 'RUSTSEC-2024-0436', reason: 'paste is only used at build time' },
    ]);
  });

  it('rejects an entry that is neither an id nor a table with an id', () => {
    expect(() => parseDenyToml('[advisories]\nignore = [42]\n', 'deny.toml')).toThrow('deny.toml:2 (field `advisories.ignore`)');
  });
});
