// TOML parsing for every input file, turning smol-toml's syntax errors into the caller's
// located error so each file type reports "file:line:column: not valid TOML: …".
import { parse, TomlError } from 'smol-toml';
import type { LocatedError, SourceLocation } from './errors.ts';

/** Where `index` sits in `text`, 1-based. */
function positionOf(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: index - lineStart + 1 };
}

/**
 * Parses `text`; on a syntax error throws `makeError(message, location)`.
 * `lineOffset` is added to line numbers when the TOML sits inside a larger file.
 *
 * U+FFFD is refused: it is what a byte that is not UTF-8 becomes when the file is decoded,
 * and TOML (like Cargo) reads only UTF-8. Read as it is, a damaged name would silently
 * match no advisory.
 */
export function parseTomlIn(
  text: string,
  file: string,
  makeError: (message: string, location: SourceLocation, options: { cause: unknown }) => LocatedError,
  lineOffset = 0,
): Record<string, unknown> {
  const replacement = text.indexOf('\uFFFD');
  if (replacement !== -1) {
    const { line, column } = positionOf(text, replacement);
    throw makeError('not valid UTF-8 (a byte sequence that is not UTF-8, shown as U+FFFD): save the file as UTF-8', { file, line: line + lineOffset, column }, { cause: undefined });
  }
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split('\n', 1)[0] ?? 'invalid TOML';
    throw makeError(`not valid TOML: ${reason}`, { file, line: error.line + lineOffset, column: error.column }, { cause: error });
  }
}

/** 1-based lines by field path, as `indexTomlLines` finds them. */
export type TomlLines = ReadonlyMap<string, number>;

/** `['repositories', 2, 'github']` → `repositories[2].github`: how messages and `indexTomlLines` name a field. */
export function formatTomlPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const DOTTED = String.raw`${KEY}(?:\s*\.\s*${KEY})*`;
const ARRAY_HEADER = new RegExp(String.raw`^\s*\[\[\s*(${DOTTED})\s*\]\]`);
const TABLE_HEADER = new RegExp(String.raw`^\s*\[\s*(${DOTTED})\s*\]`);
const KEY_VALUE = new RegExp(String.raw`^\s*(${DOTTED})\s*=`);

/** A key as written (bare, "basic" or 'literal') → the key. */
function unquote(key: string): string {
  if (key.startsWith("'")) return key.slice(1, -1);
  if (!key.startsWith('"')) return key;
  try {
    return JSON.parse(key) as string;
  } catch {
    return key.slice(1, -1); // a TOML escape JSON lacks (`\U0001F600`, `\e`): near enough to name a line
  }
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;
const KEYS = new RegExp(KEY, 'g');

function splitKeys(dotted: string): string[] {
  if (BARE_KEY.test(dotted)) return [dotted];
  return Array.from(dotted.matchAll(KEYS), ([k]) => unquote(k));
}

/** True when `quote` stands in `line` an odd number of times: a multi-line string opens or closes. */
function togglesMultiline(line: string, quote: string): boolean {
  return line.includes(quote) && line.split(quote).length % 2 === 0;
}

/**
 * The 1-based line of every key, table header and array-of-tables entry of a TOML text,
 * by field path as `formatTomlPath` writes it: `repositories[1].ignore[0].until`,
 * `package[3].dependencies`, `metadata`. The first line of a path wins. Meant for text that
 * has already parsed, where reading it line by line is enough: lines inside multi-line
 * strings are skipped, and keys inside inline tables are not listed (the key that holds the
 * table is).
 *
 * @example indexTomlLines('[advisories]\nignore = 5\n').get('advisories.ignore') // 2
 */
export function indexTomlLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  /** Entries so far of each array of tables, by path. */
  const arrayCounts = new Map<string, number>();
  /** The most keys an array of tables' path has: deeper keys cannot be in one, so a hostile header stays linear. */
  let deepestArray = 0;
  /** The keys of a header as a field path, each array of tables at its latest entry. */
  const resolve = (keys: readonly string[]): string => {
    const head = keys.slice(0, deepestArray);
    let path = '';
    head.forEach((key, i) => {
      path = i === 0 ? key : `${path}.${key}`;
      const count = arrayCounts.get(path);
      if (count !== undefined) path += `[${count - 1}]`;
    });
    const rest = keys.slice(head.length).join('.');
    if (head.length === 0) return rest;
    return head.length === keys.length ? path : `${path}.${rest}`;
  };
  /** The table the following keys belong to, as a field path (`package[3]`); '' at the top. */
  let current = '';
  let inMultiline: string | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    const at = i + 1;
    if (inMultiline !== null) {
      if (togglesMultiline(line, inMultiline)) inMultiline = null;
      return;
    }
    let match: RegExpExecArray | null;
    if (!line.trimStart().startsWith('[')) {
      if ((match = KEY_VALUE.exec(line))) {
        const keys = splitKeys(match[1]!).join('.');
        const field = current === '' ? keys : `${current}.${keys}`;
        if (!lines.has(field)) lines.set(field, at);
      }
    } else if ((match = ARRAY_HEADER.exec(line))) {
      const keys = splitKeys(match[1]!);
      const parent = resolve(keys.slice(0, -1));
      const array = parent === '' ? keys.at(-1)! : `${parent}.${keys.at(-1)!}`;
      const count = (arrayCounts.get(array) ?? 0) + 1;
      arrayCounts.set(array, count);
      deepestArray = Math.max(deepestArray, keys.length);
      current = `${array}[${count - 1}]`;
      lines.set(current, at);
    } else if ((match = TABLE_HEADER.exec(line))) {
      current = resolve(splitKeys(match[1]!));
      if (!lines.has(current)) lines.set(current, at);
    }
    if (togglesMultiline(line, "'''")) inMultiline = "'''";
    else if (togglesMultiline(line, '"""')) inMultiline = '"""';
  });
  return lines;
}
