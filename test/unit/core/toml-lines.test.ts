// indexTomlLines: the one key-to-line finder behind the located errors of cratewatch.toml,
// Cargo.lock, advisories and the repositories' audit.toml and deny.toml.
import { describe, expect, it } from 'vitest';
import { formatTomlPath, indexTomlLines } from '../../../functions/core/toml.ts';

const CONFIG = `# comment
concurrency = 4

[sources]
index = "https://index.crates.io/"

[[repositories]]
name = "a"

[[repositories]]
name = "b"
note = """
name = "not a key"
[not.a.table]
"""
  "quoted.key" = 1
site.url = "https://example.com"

[[repositories.ignore]]
id = "RUSTSEC-2099-0001"

[[repositories.ignore]]
id = "RUSTSEC-2099-0002"
until = 2099-01-01

[repositories.extra.deep]
key = 1
`;

describe('indexTomlLines', () => {
  const lines = indexTomlLines(CONFIG);

  it.each([
    ['concurrency', 2],
    ['sources', 4],
    ['sources.index', 5],
    ['repositories[0]', 7],
    ['repositories[0].name', 8],
    ['repositories[1]', 10],
    ['repositories[1].name', 11],
    ['repositories[1].note', 12],
    ['repositories[1].quoted.key', 16],
    ['repositories[1].site.url', 17],
    ['repositories[1].ignore[0]', 19],
    ['repositories[1].ignore[0].id', 20],
    ['repositories[1].ignore[1].id', 23],
    ['repositories[1].ignore[1].until', 24],
    ['repositories[1].extra.deep', 26],
    ['repositories[1].extra.deep.key', 27],
  ])('puts %s on line %i', (field, line) => {
    expect(lines.get(field)).toBe(line);
  });

  it('skips the lines inside a multi-line string', () => {
    expect(lines.has('not.a.table')).toBe(false);
    expect(lines.get('repositories[1].name')).toBe(11);
  });

  it('keeps the first line of a path that comes twice', () => {
    expect(indexTomlLines('[a]\nx = 1\n[a]\nx = 2\n').get('a.x')).toBe(2);
  });

  it('reads the table headers and keys of a Cargo.lock, [root] and [metadata] included, with CRLF line ends', () => {
    const lock = indexTomlLines('[[package]]\r\nname = "a"\r\n\r\n[root]\r\nname = "r"\r\n\r\n[metadata]\r\n"checksum a 1.0.0 (registry+https://x)" = "00"\r\n');
    expect([...lock]).toEqual([
      ['package[0]', 1],
      ['package[0].name', 2],
      ['root', 4],
      ['root.name', 5],
      ['metadata', 7],
      ['metadata.checksum a 1.0.0 (registry+https://x)', 8],
    ]);
  });

  it('names a key with a TOML escape that JSON lacks instead of throwing', () => {
    expect(indexTomlLines('[t]\n"a\\U0001F600" = 1\n').get('t.a\\U0001F600')).toBe(2);
  });
});

describe('formatTomlPath', () => {
  it('writes indexes in brackets and keys after dots', () => {
    expect(formatTomlPath(['repositories', 2, 'ignore', 0, 'until'])).toBe('repositories[2].ignore[0].until');
  });
});
