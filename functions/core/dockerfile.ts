// Every `FROM` of a Dockerfile, as BuildKit reads it: parser directives (`# escape=`), line
// continuations, comments, heredocs, global `ARG` defaults substituted into `${VAR}` / `$VAR`,
// `--platform`, `AS name`, and `FROM <earlier stage>`. Each character of a resolved image
// remembers where it was written, so a tag that comes from an `ARG` is changed on that line.
import { ImageReferenceError, parseImageReference, type ImageReference } from './image-reference.ts';
import { MAX_TOOLCHAIN_FILE_BYTES, ToolchainFileError } from './toolchain-files.ts';

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

export type FromBase =
  | { kind: 'image'; image: ImageReference }
  /** `FROM build`: builds on the earlier stage with that name (index among the FROMs). */
  | { kind: 'stage'; stage: number }
  | { kind: 'scratch' }
  /** The image names build arguments with no default (`ARG VERSION` then `FROM rust:${VERSION}`): set at build time. */
  | { kind: 'unresolved'; variables: string[] };

export interface DockerfileFrom {
  /** Line of the `FROM` keyword. */
  line: number;
  /** The stage's name (`AS build`), lower-cased as BuildKit compares them; null when unnamed. */
  stage: string | null;
  /** `--platform=…` as written (`$BUILDPLATFORM` is not resolved), or null. */
  platform: string | null;
  /** The image as written: `rust:${RUST_VERSION}-slim`. */
  written: string;
  /** The image with the global `ARG` defaults substituted: `rust:1.76-slim`. */
  resolved: string;
  base: FromBase;
  /** Where each character of `resolved` was written (an `ARG` default, the `FROM` line, …); null when nowhere. */
  positions: (SourcePosition | null)[];
  /** For each character of `resolved`, the `ARG` whose value it came from, or null when written in the `FROM` line. */
  via: (string | null)[];
}

export interface Dockerfile {
  file: string;
  froms: DockerfileFrom[];
}

/** More instructions than any real Dockerfile has: a guard against generated hostile input. */
const MAX_INSTRUCTIONS = 20_000;
const MAX_HEREDOC_WORD = 64;
const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9_]{0,31})[ \t]*=[ \t]*(\S{1,64})[ \t]*$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]{0,63})\2/g;
/** Platform arguments BuildKit defines for every FROM: left as written, never "unresolved". */
const AUTOMATIC_ARGS = new Set(['BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT']);

/** Text with, for each character, where it was written (an offset in the file, or -1) and through which ARG. */
interface Located {
  text: string;
  at: number[];
  via: (string | null)[];
}

const empty = (): Located => ({ text: '', at: [], via: [] });

function append(to: Located, from: Located, start = 0, end = from.text.length): void {
  to.text += from.text.slice(start, end);
  for (let i = start; i < end; i++) {
    to.at.push(from.at[i]!);
    to.via.push(from.via[i]!);
  }
}

function slice(from: Located, start: number, end: number): Located {
  const out = empty();
  append(out, from, start, end);
  return out;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionAt(starts: readonly number[], offset: number): SourcePosition {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}

interface Arg {
  /** null: declared without a default (`ARG VERSION`). */
  value: Located | null;
}

/** Where the `}` closing the `${` at `open` is, counting nested `${…}`; -1 when none. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Substitutes `$VAR`, `${VAR}` and `${VAR:-word}` / `${VAR-word}` / `${VAR:+word}` /
 * `${VAR+word}` as BuildKit's shell lexer does for FROM and ARG; `escape$` is a literal `$`.
 */
function substitute(word: Located, args: ReadonlyMap<string, Arg>, escape: string, missing: string[], depth = 0): Located {
  const out = empty();
  const text = word.text;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === escape && text[i + 1] === '$') {
      append(out, word, i + 1, i + 2);
      i += 2;
      continue;
    }
    if (ch !== '$' || depth > 8) {
      append(out, word, i, i + 1);
      i++;
      continue;
    }
    const braced = text[i + 1] === '{';
    const nameStart = braced ? i + 2 : i + 1;
    const name = NAME.exec(text.slice(nameStart, nameStart + 256))?.[0];
    if (name === undefined) {
      append(out, word, i, i + 1);
      i++;
      continue;
    }
    const arg = args.get(name);
    const value = arg?.value ?? null;
    if (!braced) {
      if (value === null) missing.push(name);
      else append(out, tagged(value, name));
      i = nameStart + name.length;
      continue;
    }
    const close = closingBrace(text, i);
    if (close === -1) {
      append(out, word, i, text.length);
      break;
    }
    const modifier = text.slice(nameStart + name.length, close);
    const operator = /^(:?[-+?])/.exec(modifier)?.[1] ?? '';
    const alternative = slice(word, nameStart + name.length + operator.length, close);
    const set = value !== null && (!operator.startsWith(':') || value.text !== '');
    if (modifier === '') {
      if (value === null) missing.push(name);
      else append(out, tagged(value, name));
    } else if (operator.endsWith('-')) {
      if (set) append(out, tagged(value, name));
      else append(out, substitute(alternative, args, escape, missing, depth + 1));
    } else if (operator.endsWith('+')) {
      if (set) append(out, substitute(alternative, args, escape, missing, depth + 1));
    } else {
      // `?` (fail when unset) and the pattern forms (`#`, `%`, `/`): what they give depends on the build.
      if (value === null || operator === '') missing.push(name);
      else append(out, tagged(value, name));
    }
    i = close + 1;
  }
  return out;
}

/** `value` as coming through `name`, unless it already names the ARG it came through. */
function tagged(value: Located, name: string): Located {
  return { text: value.text, at: value.at, via: value.via.map((v) => v ?? name) };
}

/** Splits an instruction's arguments into words at unquoted whitespace; quotes are removed, as in ARG. */
function words(args: Located, escape: string): Located[] {
  const out: Located[] = [];
  let current: Located | null = null;
  let quote: string | null = null;
  for (let i = 0; i < args.text.length; i++) {
    const ch = args.text[i]!;
    if (quote === null && /\s/.test(ch)) {
      if (current !== null) out.push(current);
      current = null;
      continue;
    }
    current ??= empty();
    if (ch === escape && quote !== "'" && i + 1 < args.text.length && args.text[i + 1] !== '$') {
      append(current, args, i + 1, i + 2);
      i++;
    } else if (quote === null && (ch === '"' || ch === "'")) {
      quote = ch;
    } else if (quote === ch) {
      quote = null;
    } else {
      append(current, args, i, i + 1);
    }
  }
  if (current !== null) out.push(current);
  return out;
}

interface Instruction {
  keyword: string;
  /** First line of the instruction. */
  line: number;
  args: Located;
}

/** Joins continuation lines, drops comments and empty lines, skips heredoc bodies. */
function instructions(text: string, starts: readonly number[], file: string): { escape: string; list: Instruction[] } {
  const lines = text.split('\n');
  let escape = '\\';
  let index = 0;
  // Parser directives: only at the very top, before any comment, blank line or instruction.
  const seen = new Set<string>();
  for (; index < lines.length; index++) {
    const m = DIRECTIVE.exec(lines[index]!.replace(/\r$/, ''));
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (seen.has(key)) break;
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw new ToolchainFileError(`\`# escape=${m[2]}\`: the escape character must be \\ or \``, { file, line: index + 1 });
      escape = m[2]!;
    }
  }
  const list: Instruction[] = [];
  const neverClosed = new Set<string>();
  let pending: { line: number; args: Located } | null = null;
  for (; index < lines.length; index++) {
    const raw = lines[index]!.replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue; // also inside a continuation, as BuildKit does
    const offset = starts[index]!;
    const body = raw.trimEnd();
    const continues = body.endsWith(escape);
    const content = continues ? body.slice(0, -1) : body;
    const part: Located = { text: content, at: Array.from({ length: content.length }, (_, i) => offset + i), via: Array.from({ length: content.length }, () => null) };
    if (pending === null) pending = { line: index + 1, args: part };
    else append(pending.args, part);
    if (continues && index < lines.length - 1) continue;
    const whole = pending.args;
    const lead = whole.text.length - whole.text.trimStart().length;
    const keywordEnd = whole.text.slice(lead).search(/\s|$/) + lead;
    const keyword = whole.text.slice(lead, keywordEnd).toUpperCase();
    list.push({ keyword, line: pending.line, args: slice(whole, keywordEnd, whole.text.length) });
    if (list.length > MAX_INSTRUCTIONS) throw new ToolchainFileError(`more than ${MAX_INSTRUCTIONS} instructions: not a Dockerfile cratewatch reads`, { file, line: pending.line });
    pending = null;
    // Heredocs (`RUN <<EOF` … `EOF`): their bodies are not instructions.
    if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
      for (const m of whole.text.matchAll(HEREDOC)) {
        const word = m[3]!;
        if (word.length > MAX_HEREDOC_WORD) continue;
        const stripTabs = m[1] === '-';
        // A word with no closing line after an earlier point has none after this one either: never scan twice.
        if (neverClosed.has(`${m[1]}${word}`)) continue;
        const start = index + 1;
        let end = start;
        while (end < lines.length) {
          const candidate = lines[end]!.replace(/\r$/, '');
          if ((stripTabs ? candidate.replace(/^\t+/, '') : candidate) === word) break;
          end++;
        }
        // Never closed: a `<<` in a shell string rather than a heredoc; read on.
        if (end < lines.length) index = end;
        else neverClosed.add(`${m[1]}${word}`);
      }
    }
  }
  return { escape, list };
}

function located(word: Located, starts: readonly number[]): (SourcePosition | null)[] {
  return word.at.map((offset) => (offset < 0 ? null : positionAt(starts, offset)));
}

/**
 * Reads every `FROM` of a Dockerfile. Throws ToolchainFileError (file:line) for what Docker
 * would refuse: a `FROM` without an image, extra words, an image that is not a reference.
 *
 * @example parseDockerfile('ARG V=1.76\nFROM rust:${V}-slim AS build\n', 'Dockerfile').froms[0].resolved // 'rust:1.76-slim'
 */
export function parseDockerfile(text: string, file: string): Dockerfile {
  if (text.length > MAX_TOOLCHAIN_FILE_BYTES) throw new ToolchainFileError(`larger than ${MAX_TOOLCHAIN_FILE_BYTES} bytes: not a Dockerfile cratewatch reads`, { file });
  const body = text.startsWith('\uFEFF') ? ` ${text.slice(1)}` : text;
  const starts = lineStartsOf(body);
  const { escape, list } = instructions(body, starts, file);
  const globals = new Map<string, Arg>();
  const froms: DockerfileFrom[] = [];
  const stageNames = new Map<string, number>();
  for (const instruction of list) {
    const at = { file, line: instruction.line };
    if (instruction.keyword === 'ARG' && froms.length === 0) {
      for (const word of words(instruction.args, escape)) {
        const equals = word.text.indexOf('=');
        const name = equals === -1 ? word.text : word.text.slice(0, equals);
        if (NAME.exec(name)?.[0] !== name) throw new ToolchainFileError(`\`ARG ${word.text}\`: "${name}" is not an argument name`, at);
        const value = equals === -1 ? null : substitute(slice(word, equals + 1, word.text.length), globals, escape, []);
        globals.set(name, { value: value ?? globals.get(name)?.value ?? null });
      }
      continue;
    }
    if (instruction.keyword !== 'FROM') continue;
    const parts = words(instruction.args, escape);
    let platform: string | null = null;
    while (parts[0]?.text.startsWith('--')) {
      const flag = parts.shift()!.text;
      if (flag.startsWith('--platform=')) platform = flag.slice('--platform='.length);
      else throw new ToolchainFileError(`\`FROM ${flag}\`: unknown flag (FROM takes only --platform)`, at);
    }
    const [imageWord, as, name, ...extra] = parts;
    if (imageWord === undefined) throw new ToolchainFileError('`FROM` without an image: write `FROM image[:tag] [AS name]`', at);
    if (as !== undefined && (as.text.toLowerCase() !== 'as' || name === undefined || extra.length > 0)) {
      throw new ToolchainFileError(`\`FROM ${instruction.args.text.trim()}\`: expected \`FROM image [AS name]\``, at);
    }
    const missing: string[] = [];
    const resolvedWord = substitute(imageWord, globals, escape, missing);
    const resolved = resolvedWord.text;
    const stage = name?.text.toLowerCase() ?? null;
    let base: FromBase;
    const unknown = missing.filter((v) => !AUTOMATIC_ARGS.has(v));
    if (missing.length > 0) base = { kind: 'unresolved', variables: [...new Set(unknown.length > 0 ? unknown : missing)] };
    else if (resolved.toLowerCase() === 'scratch') base = { kind: 'scratch' };
    else if (stageNames.has(resolved.toLowerCase())) base = { kind: 'stage', stage: stageNames.get(resolved.toLowerCase())! };
    else {
      try {
        base = { kind: 'image', image: parseImageReference(resolved) };
      } catch (error) {
        if (!(error instanceof ImageReferenceError)) throw error;
        const first = located(imageWord, starts)[0];
        throw new ToolchainFileError(`\`FROM ${imageWord.text}\`: ${error.message}`, { file, line: first?.line ?? instruction.line, column: first?.column }, { cause: error });
      }
    }
    if (stage !== null) stageNames.set(stage, froms.length);
    froms.push({ line: instruction.line, stage, platform, written: imageWord.text, resolved, base, positions: located(resolvedWord, starts), via: resolvedWord.via });
  }
  if (froms.length === 0) throw new ToolchainFileError('no `FROM` instruction: a Dockerfile starts its build with `FROM image`', { file, line: 1 });
  return { file, froms };
}

/**
 * Where the characters `start` to `end` of a FROM's resolved image were written, when they
 * were written together on one line (so one edit there changes them); null otherwise.
 */
export function writtenSpan(from: Pick<DockerfileFrom, 'positions'>, start: number, end: number): SourcePosition | null {
  const first = from.positions[start];
  if (first === undefined || first === null || end <= start) return null;
  for (let i = start + 1; i < end; i++) {
    const p = from.positions[i];
    if (p === undefined || p === null || p.line !== first.line || p.column !== first.column + (i - start)) return null;
  }
  return first;
}
