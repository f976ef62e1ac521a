// Hostile TOML for every file cratewatch reads as TOML (Cargo.lock, Cargo.toml, cratewatch.toml,
// an advisory's front matter): nesting past any stack, huge strings, a BOM, CRLF line ends,
// bytes that are not UTF-8, duplicate keys. Each is read as Cargo would, or refused with the
// file's own typed error and its line; none throws anything else, none hangs (each parse runs
// in a worker with a time budget), none passes as clean.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startBoundedParser, type ParserName } from '../fuzz/bounded-parse.ts';
import { CLEAN_LOCK, fixtureText } from '../helpers/fixtures.ts';

const parser = startBoundedParser();
afterAll(() => parser.close());

const MANIFEST = '[package]\nname = "my-app"\nversion = "0.1.0"\nrust-version = "1.70"\n';
const CONFIG = '[[repositories]]\nname = "app"\ngithub = "acme/app"\n';
const ADVISORY = '```toml\n[advisory]\nid = "RUSTSEC-2099-0001"\npackage = "hyper"\ndate = "2099-01-10"\n\n[versions]\npatched = [">= 0.14.28"]\n```\n\n# Overflow in `hyper`\n\nDescription.\n';

interface Kind {
  parser: ParserName;
  file: string;
  error: string;
  text: string;
  /** The text with `extra` inserted where a key may go. */
  with(extra: string): string;
}

const KINDS: Kind[] = [
  { parser: 'lockfile', file: 'Cargo.lock', error: 'LockfileParseError', text: CLEAN_LOCK, with: (extra) => `${CLEAN_LOCK}${extra}\n` },
  { parser: 'manifest', file: 'Cargo.toml', error: 'ConfigError', text: MANIFEST, with: (extra) => `${MANIFEST}${extra}\n` },
  { parser: 'config', file: 'cratewatch.toml', error: 'ConfigErrors', text: CONFIG, with: (extra) => `${extra}\n${CONFIG}` },
  { parser: 'advisory', file: 'crates/hyper/RUSTSEC-2099-0001.md', error: 'AdvisoryParseError', text: ADVISORY, with: (extra) => ADVISORY.replace('[versions]', `${extra}\n[versions]`) },
];

async function parsed(kind: Kind, text: string) {
  return parser.parse(kind.parser, text, kind.file);
}

/** The typed error's first location line, or the outcome itself when it is anything else (so the failure shows it). */
function refusedAt(outcome: Awaited<ReturnType<typeof parsed>>, kind: Kind): number | undefined | typeof outcome {
  if (outcome.kind !== 'typed' || outcome.error !== kind.error) return outcome;
  expect(outcome.locations[0]!.file).toBe(kind.file);
  return outcome.locations[0]!.line;
}

describe.each(KINDS)('$parser', (kind) => {
  it('refuses 100,000 nested arrays with its own error at the line of the value', async () => {
    const outcome = await parsed(kind, kind.with(`deep = ${'['.repeat(100_000)}${']'.repeat(100_000)}`));
    expect(refusedAt(outcome, kind)).toBe(kind.with('deep = …').split('\n').findIndex((l) => l.startsWith('deep')) + 1);
    expect((outcome as { message: string }).message).toContain('excessively nested');
  });

  it('refuses 100,000 nested inline tables with its own error', async () => {
    const outcome = await parsed(kind, kind.with(`deep = ${'{ a = '.repeat(100_000)}1${' }'.repeat(100_000)}`));
    expect(outcome).toMatchObject({ kind: 'typed', error: kind.error });
    expect((outcome as { message: string }).message).toContain('excessively nested');
  });

  it('reads a dotted key and a table header a million parts deep as keys it does not use (the configuration refuses them by name)', async () => {
    for (const deep of [`a${'.a'.repeat(1_000_000)} = 1`, `[t${'.t'.repeat(1_000_000)}]`]) {
      const outcome = await parsed(kind, kind.with(deep));
      if (kind.parser === 'config') expect((outcome as { message: string }).message).toContain(`unknown key \`${deep[0] === '[' ? 't' : 'a'}\``);
      else expect(outcome.kind).toBe('result');
    }
  });

  it('reads a file that starts with a byte order mark as the same file without it', async () => {
    const plain = await parsed(kind, kind.text);
    expect(plain.kind).toBe('result');
    expect(await parsed(kind, `\uFEFF${kind.text}`)).toEqual(plain);
  });

  it('reads CRLF line ends as LF ones', async () => {
    const plain = await parsed(kind, kind.text);
    expect(await parsed(kind, kind.text.replaceAll('\n', '\r\n'))).toEqual(plain);
  });

  it('refuses bytes that are not UTF-8 (decoded as U+FFFD) with its own error at their line and column', async () => {
    const bytes = new TextEncoder().encode(kind.text);
    const at = bytes.indexOf(0x22 /* the first " */) + 2;
    bytes[at] = 0xff;
    const text = new TextDecoder().decode(bytes);
    const outcome = await parsed(kind, text);
    const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
    expect(refusedAt(outcome, kind)).toBe(line);
    expect((outcome as { message: string }).message).toContain('not valid UTF-8');
  });

  it('refuses a duplicate key with its own error at the second one', async () => {
    const text = kind.with('dup = 1\ndup = 2');
    const outcome = await parsed(kind, text);
    const line = text.split('\n').lastIndexOf('dup = 2') + 1;
    expect(refusedAt(outcome, kind)).toBe(line);
  });

  it('reads or refuses a 20 MB string value within the time budget', async () => {
    const outcome = await parsed(kind, kind.with(`huge = "${'x'.repeat(20_000_000)}"`));
    // A key the file type does not know: the config refuses it by name, the others ignore it.
    if (kind.parser === 'config') expect((outcome as { message: string }).message).toContain('unknown key `huge`');
    else expect(outcome.kind).toBe('result');
  });
});

describe('advisory line numbers', () => {
  // The front matter starts on the file's second line: errors name file lines, not front-matter ones.
  it('names the file line of a duplicate key inside the front matter', async () => {
    const text = ADVISORY.replace('package = "hyper"', 'package = "hyper"\npackage = "tokio"');
    const outcome = await parser.parse('advisory', text, 'a.md');
    expect(outcome).toMatchObject({ kind: 'typed', locations: [{ file: 'a.md', line: 5 }] });
  });
});

describe('huge and odd text outside the TOML', () => {
  it('reads an advisory whose title is a long run of spaces and hashes, within the budget', async () => {
    const title = `Overflow${' '.repeat(200_000)}#${' \t'.repeat(50_000)}in hyper ${'#'.repeat(10_000)}`;
    const outcome = await parser.parse('advisory', ADVISORY.replace('# Overflow in `hyper`', `# ${title}`), 'a.md');
    expect(outcome).toMatchObject({ kind: 'result', value: { title: title.slice(0, title.lastIndexOf(' ')).trimEnd() } });
  });

  it('reads an index file of 100,000 versions, and refuses one whose lines are cut, within the budget', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ name: 'big', vers: `0.0.${i}`, deps: [], cksum: '0'.repeat(64), features: {}, yanked: i % 7 === 0 }));
    const whole = await parser.parse('index', lines.join('\n'), 'big');
    expect(whole.kind === 'result' && (whole.value as unknown[]).length).toBe(100_000);
    const cut = await parser.parse('index', lines.join('\n').slice(0, -10), 'big');
    expect(cut).toMatchObject({ kind: 'typed', error: 'IndexParseError', locations: [{ file: 'big', line: 100_000 }] });
  });

  it('reads a lockfile of 20,000 packages within the budget, every one of them', async () => {
    const text = ['version = 3', ...Array.from({ length: 20_000 }, (_, i) => `\n[[package]]\nname = "crate-${i}"\nversion = "1.0.${i}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n${i > 0 ? `dependencies = ["crate-${i - 1}"]\n` : ''}`)].join('\n');
    const outcome = await parser.parse('lockfile', text, 'Cargo.lock');
    expect(outcome.kind === 'result' && (outcome.value as { packages: unknown[] }).packages.length).toBe(20_000);
  });

  it('keeps a lockfile\'s packages when one of them is named like markup or a path (the name is data)', async () => {
    const names = ['<img src=x onerror=alert(1)>', '../../etc/passwd', 'a|b`c*d', '__proto__'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), async (name) => {
        const text = fixtureText('v3.Cargo.lock').replace('name = "bytes"', `name = ${JSON.stringify(name)}`).replaceAll('"bytes"', JSON.stringify(name)).replaceAll('"bytes ', `"${name.replaceAll('"', '\\"')} `);
        const outcome = await parser.parse('lockfile', text, 'Cargo.lock');
        expect(outcome.kind === 'result' && (outcome.value as { packages: [string][] }).packages.map((p) => p[0])).toContain(name);
      }),
      { numRuns: names.length, seed: 1 },
    );
  });
});
