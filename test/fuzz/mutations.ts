// fast-check arbitraries that damage real-format text the way files get damaged or forged:
// flipped bytes (decoded as the adapters decode them, bad UTF-8 becoming U+FFFD), truncation,
// lines duplicated, dropped or swapped, TOML values replaced by random ones, lines spliced in
// from another file, a BOM, CRLF line ends. Plus the settings every fuzz test shares: a fixed
// seed (FUZZ_SEED overrides it) so CI reruns exactly the same inputs, and the run count.
import fc from 'fast-check';

/** Fixed so CI is reproducible; set FUZZ_SEED to explore other inputs, FUZZ_RUNS for more of them. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_260_901);
const RUNS = process.env.FUZZ_RUNS === undefined ? undefined : Number(process.env.FUZZ_RUNS);

/**
 * fast-check settings: the fixed seed and `numRuns` inputs. On failure fast-check's message
 * names the seed and the path of the counterexample (`{ seed: …, path: "…" }`): pass both back
 * as `seed` and `path` to replay just that input. No shrinking: a hang costs the whole budget
 * per try, and the failure message already lists the damage done to the seed.
 */
export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: RUNS ?? numRuns, endOnFailure: true, verbose: 1 };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One change to a text; `apply` is pure. */
export interface Mutation {
  label: string;
  apply(text: string): string;
}

function lines(text: string): string[] {
  return text.split('\n');
}

const flipBytes = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map(
  (flips): Mutation => ({
    label: `flip bytes ${flips.map(([at, mask]) => `${at}^${mask}`).join(',')}`,
    apply(text) {
      const bytes = encoder.encode(text);
      if (bytes.length === 0) return text;
      for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
      return decoder.decode(bytes);
    },
  }),
);

const truncate = fc.nat().map(
  (at): Mutation => ({
    label: `truncate at ${at}`,
    apply: (text) => text.slice(0, text.length === 0 ? 0 : at % text.length),
  }),
);

const duplicateLines = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 12 }), fc.nat(), fc.integer({ min: 1, max: 3 })).map(
  ([from, count, to, times]): Mutation => ({
    label: `duplicate ${count} lines from ${from} at ${to}, ${times}×`,
    apply(text) {
      const all = lines(text);
      const start = from % all.length;
      const block = all.slice(start, start + count);
      const at = to % (all.length + 1);
      return [...all.slice(0, at), ...Array.from({ length: times }, () => block).flat(), ...all.slice(at)].join('\n');
    },
  }),
);

const dropLines = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 6 })).map(
  ([from, count]): Mutation => ({
    label: `drop ${count} lines at ${from}`,
    apply(text) {
      const all = lines(text);
      const start = from % all.length;
      return [...all.slice(0, start), ...all.slice(start + count)].join('\n');
    },
  }),
);

const swapLines = fc.tuple(fc.nat(), fc.nat()).map(
  ([a, b]): Mutation => ({
    label: `swap lines ${a} and ${b}`,
    apply(text) {
      const all = lines(text);
      const i = a % all.length;
      const j = b % all.length;
      [all[i], all[j]] = [all[j]!, all[i]!];
      return all.join('\n');
    },
  }),
);

/** Strings that have broken parsers and renderers before: markup, traversal, odd Unicode, control characters. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '../../etc/passwd',
  '/absolute/path',
  'C:\\windows\\path',
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  '| pipe | [link](javascript:alert(1)) `code` **bold**',
  '${process.env.GITHUB_TOKEN}',
  '__proto__',
  'constructor',
  'toString',
  '\u0000',
  '\u001b[31mred',
  '\u202eevil\u202c',
  '\uFEFF',
  '\uD800',
  '😀'.repeat(3),
  'a'.repeat(5000),
  ' '.repeat(3000) + 'x',
  '#'.repeat(300),
  '1.0.0',
  '>= 1, < 2',
  '2099-13-45',
  'registry+https://github.com/rust-lang/crates.io-index',
  'git+https://github.com/o/r?branch=master#0123456789abcdef0123456789abcdef01234567',
];

/** A TOML value as text: strings (nasty ones too), numbers, booleans, dates, arrays, inline tables, some not TOML at all. */
export const tomlValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 20 }).map((s) => JSON.stringify(s)),
    fc.constantFrom(...NASTY_STRINGS).map((s) => JSON.stringify(s)),
    fc.constantFrom(...NASTY_STRINGS).map((s) => `'${s.replaceAll("'", '')}'`),
    fc.integer().map(String),
    fc.double().map((d) => (Number.isNaN(d) ? 'nan' : d === Infinity ? 'inf' : d === -Infinity ? '-inf' : String(d))),
    fc.boolean().map(String),
    fc.constantFrom('1979-05-27', '1979-05-27T07:32:00Z', '07:32:00', '2099-02-30', '0x7f', '1_000', '"""\nmulti\n"""', "'''\nraw\n'''"),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
    fc.array(fc.tuple(fc.constantFrom('name', 'version', 'source', 'id', 'x', 'a.b', '"q k"'), tie('value')), { maxLength: 3 }).map(
      (pairs) => `{ ${pairs.map(([k, v]) => `${k} = ${v}`).join(', ')} }`,
    ),
    fc.constantFrom('', '[', '{', '= =', '"unterminated', '[[[', ']]', '{a=1,}'),
  ),
})).value;

/** Keys the parsers read, and some they do not. */
const TOML_KEYS = ['name', 'version', 'source', 'checksum', 'dependencies', 'id', 'package', 'date', 'patched', 'unaffected', 'cvss', 'informational', 'rust-version', 'github', 'path', 'lockfiles', 'repositories', 'x', '"quoted key"', 'a.b.c'];

/** Replaces the value of a `key = value` line (or, when the text has none, adds one). */
const replaceValue = fc.tuple(fc.nat(), tomlValue).map(
  ([pick, value]): Mutation => ({
    label: `replace a value with ${value.slice(0, 60)}`,
    apply(text) {
      const all = lines(text);
      const candidates = all.flatMap((line, i) => (/^\s*[\w"'.-]+\s*=/.test(line) ? [i] : []));
      if (candidates.length === 0) return `${text}\nx = ${value}\n`;
      const i = candidates[pick % candidates.length]!;
      all[i] = `${all[i]!.slice(0, all[i]!.indexOf('=') + 1)} ${value}`;
      return all.join('\n');
    },
  }),
);

const insertPair = fc.tuple(fc.nat(), fc.constantFrom(...TOML_KEYS), tomlValue).map(
  ([at, key, value]): Mutation => ({
    label: `insert ${key} = ${value.slice(0, 60)}`,
    apply(text) {
      const all = lines(text);
      const i = at % (all.length + 1);
      return [...all.slice(0, i), `${key} = ${value}`, ...all.slice(i)].join('\n');
    },
  }),
);

const insertHeader = fc.tuple(fc.nat(), fc.constantFrom('[[package]]', '[package]', '[metadata]', '[root]', '[advisory]', '[versions]', '[affected]', '[workspace.package]', '[[repositories]]', '[sources]', '[[repositories.ignore]]', '[a.b.c]', '[[x]]')).map(
  ([at, header]): Mutation => ({
    label: `insert ${header}`,
    apply(text) {
      const all = lines(text);
      const i = at % (all.length + 1);
      return [...all.slice(0, i), header, ...all.slice(i)].join('\n');
    },
  }),
);

const insertText = fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 12 }), fc.constantFrom('"', "'", '[', ']', '{', '}', '=', '#', '\r', '\n', '\t', '```', '\\'))).map(
  ([at, piece]): Mutation => ({
    label: `insert ${JSON.stringify(piece.slice(0, 40))} at ${at}`,
    apply: (text) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + piece + text.slice(i);
    },
  }),
);

/** A long run of one character: what makes a backtracking regular expression take minutes. */
const insertRun = fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', '#', '.', '[', '{', '"', "'", '\\', '-', '0', 'a', '`', '='), fc.integer({ min: 1_000, max: 20_000 })).map(
  ([at, char, length]): Mutation => ({
    label: `insert ${length} × ${JSON.stringify(char)} at ${at}`,
    apply: (text) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + char.repeat(length) + text.slice(i);
    },
  }),
);

const bom: Mutation = { label: 'prepend a BOM', apply: (text) => `\uFEFF${text}` };
const crlf: Mutation = { label: 'CRLF line ends', apply: (text) => text.replace(/\r?\n/g, '\r\n') };

/** Lines from `donors` (other files of the same kind) spliced in. */
function splice(donors: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 10 })).map(([which, from, at, count]): Mutation => ({
    label: `splice ${count} lines of donor ${which % donors.length} from ${from} at ${at}`,
    apply(text) {
      const donor = lines(donors[which % donors.length]!);
      const start = from % donor.length;
      const all = lines(text);
      const i = at % (all.length + 1);
      return [...all.slice(0, i), ...donor.slice(start, start + count), ...all.slice(i)].join('\n');
    },
  }));
}

/** One to four mutations of one of `seeds`, applied in turn. */
export function mutated(seeds: readonly string[]): fc.Arbitrary<{ seed: number; mutations: string[]; text: string }> {
  const mutation = fc.oneof(flipBytes, truncate, duplicateLines, dropLines, swapLines, replaceValue, replaceValue, insertPair, insertHeader, insertText, insertRun, splice(seeds), fc.constantFrom(bom, crlf));
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([seed, mutations]) => ({
    seed,
    mutations: mutations.map((m) => m.label),
    text: mutations.reduce((text, m) => m.apply(text), seeds[seed]!),
  }));
}
