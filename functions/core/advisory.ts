// RustSec advisories: parsing the Markdown files of the advisory database (TOML front
// matter in a ```toml block, then `# Title` and a Markdown description) and indexing them.
import { TomlDate } from 'smol-toml';
import { affectedRanges, type AffectedRange } from './advisory-ranges.ts';
import { AdvisoryParseError, errorMessage } from './errors.ts';
import { scoreCvss, type CvssScore } from './severity.ts';
import { indexTomlLines, parseTomlIn } from './toml.ts';

/** `informational` values RustSec defines; other strings are kept as they are but never reported. */
export const INFORMATIONAL_KINDS = ['unmaintained', 'unsound', 'notice'] as const;

export interface AffectedQualifiers {
  arch: string[];
  os: string[];
  /** Function paths (`crate::module::fn`) to the requirements of the versions where they are affected. */
  functions: Record<string, string[]>;
}

export interface Advisory {
  id: string;
  package: string;
  /** `YYYY-MM-DD`. */
  date: string;
  url?: string;
  references: string[];
  categories: string[];
  keywords: string[];
  aliases: string[];
  related: string[];
  cvss?: CvssScore;
  /** Absent for vulnerabilities; any string RustSec may add later is kept. */
  informational?: string;
  /** `YYYY-MM-DD` when the advisory was withdrawn. */
  withdrawn?: string;
  license?: string;
  /** Registry source the advisory applies to, when it is not crates.io. */
  source?: string;
  affected?: AffectedQualifiers;
  patched: string[];
  unaffected: string[];
  ranges: AffectedRange[];
  title: string;
  /** Markdown, as written in the advisory. */
  description: string;
  /** Path inside the database, e.g. `crates/hyper/RUSTSEC-2021-0078.md`. */
  path: string;
}

/** An advisory's page on rustsec.org, for ids RustSec assigned (`RUSTSEC-2020-0071`); null for others. */
export function rustsecPage(id: string): string | null {
  return /^RUSTSEC-\d{4}-\d{4}$/.test(id) ? `https://rustsec.org/advisories/${id}` : null;
}

/** A file of the database that could not be used, with why. */
export interface AdvisoryDiagnostic {
  path: string;
  message: string;
}

export interface AdvisoryDb {
  /** The database's revision: a commit id or the archive's folder name. */
  revision: string;
  /** Advisories for crates (`crates/`), by package name. */
  byPackage: ReadonlyMap<string, readonly Advisory[]>;
  /** Every advisory read, toolchain ones (`rust/`, never matched against lockfiles) included. */
  advisoryCount: number;
  diagnostics: AdvisoryDiagnostic[];
  /** ISO time the database was downloaded, when it came over the network. */
  fetchedAt: string | null;
}

/** One file read from the database, its path relative to the database root. */
export interface AdvisoryFile {
  path: string;
  text: string;
}

const FENCE_OPEN = /^\uFEFF?\s*```toml[ \t]*\r?\n/;
const FENCE_CLOSE = /^```[ \t]*$/m;

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof TomlDate);
}

/** Reads typed fields from a TOML table, naming the field of anything of the wrong type. */
class FieldReader {
  private readonly table: Record<string, unknown>;
  private readonly prefix: string;
  private readonly file: string;
  private readonly lineOf: (key: string) => number | undefined;

  constructor(table: Record<string, unknown>, prefix: string, file: string, lineOf: (key: string) => number | undefined) {
    this.table = table;
    this.prefix = prefix;
    this.file = file;
    this.lineOf = lineOf;
  }

  fail(key: string, expected: string): never {
    const line = this.lineOf(key);
    throw new AdvisoryParseError(`expected ${expected}`, { file: this.file, ...(line === undefined ? {} : { line }), field: `${this.prefix}.${key}` });
  }

  string(key: string): string | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.fail(key, 'a string');
    return value;
  }

  requiredString(key: string): string {
    return this.string(key) ?? this.fail(key, 'a string (the field is required)');
  }

  date(key: string): string | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    const text = value instanceof TomlDate ? value.toISOString().slice(0, 10) : value;
    if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) this.fail(key, 'a date "YYYY-MM-DD"');
    return text;
  }

  strings(key: string): string[] {
    const value = this.table[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) this.fail(key, 'a list of strings');
    return value as string[];
  }

  boolean(key: string): boolean {
    const value = this.table[key];
    if (value === undefined) return false;
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  subtable(key: string): Record<string, unknown> {
    const value = this.table[key];
    if (value === undefined) return {};
    if (!isTable(value)) this.fail(key, 'a table');
    return value;
  }
}

function splitFrontMatter(text: string, file: string): { toml: string; body: string } {
  const open = FENCE_OPEN.exec(text);
  if (!open) throw new AdvisoryParseError('the file does not start with a ```toml front-matter block', { file, line: 1 });
  const rest = text.slice(open[0].length);
  const close = FENCE_CLOSE.exec(rest);
  if (!close) throw new AdvisoryParseError('the ```toml front-matter block is never closed with ```', { file, line: 1 });
  return { toml: rest.slice(0, close.index), body: rest.slice(close.index + close[0].length) };
}

/**
 * The `# Title` line and what follows. The heading is taken apart by hand: one regular
 * expression with `(.+?)[ \t]*#*[ \t]*` backtracks for minutes over a title with a long run
 * of spaces.
 */
function splitTitle(body: string, file: string, line: number): { title: string; description: string } {
  const start = body.length - body.trimStart().length;
  const end = body.indexOf('\n', start);
  const heading = (end === -1 ? body.slice(start) : body.slice(start, end)).replace(/\r$/, '');
  const opening = /^#[ \t]+/.exec(heading);
  let title = opening ? heading.slice(opening[0].length).trimEnd() : '';
  // An ATX heading's closing `#`s go only when a space or tab stands before them (or they are all there is).
  let closing = title.length;
  while (closing > 0 && title[closing - 1] === '#') closing--;
  if (closing < title.length && (closing === 0 || title[closing - 1] === ' ' || title[closing - 1] === '\t')) title = title.slice(0, closing).trimEnd();
  if (!opening || title === '') throw new AdvisoryParseError('no "# Title" heading after the front matter', { file, line });
  return { title, description: end === -1 ? '' : body.slice(end + 1).trim() };
}

/**
 * Parses one advisory file. `path` is its path inside the database and names it in errors.
 * Throws AdvisoryParseError (with the line and field where known) for anything RustSec would reject.
 */
export function parseAdvisory(text: string, path: string): Advisory {
  const { toml, body } = splitFrontMatter(text, path);
  const doc = parseTomlIn(toml, path, (message, location, options) => new AdvisoryParseError(message, location, options), 1);
  // Indexed only when a problem needs a line; the front matter starts on the file's second line.
  let tomlLines: Map<string, number> | undefined;
  const lineOf = (section: string) => (key: string) => {
    const line = (tomlLines ??= indexTomlLines(toml)).get(`${section}.${key}`);
    return line === undefined ? undefined : line + 1;
  };
  const top = new FieldReader(doc, '', path, () => undefined);
  const advisory = new FieldReader(top.subtable('advisory'), 'advisory', path, lineOf('advisory'));
  const versions = new FieldReader(top.subtable('versions'), 'versions', path, lineOf('versions'));
  if (doc.advisory === undefined) throw new AdvisoryParseError('no [advisory] table', { file: path, line: 2, field: 'advisory' });
  if (doc.versions === undefined) throw new AdvisoryParseError('no [versions] table', { file: path, line: 2, field: 'versions' });

  const patched = versions.strings('patched');
  const unaffected = versions.strings('unaffected');
  let ranges: AffectedRange[];
  try {
    ranges = affectedRanges(patched, unaffected);
  } catch (error) {
    throw new AdvisoryParseError(errorMessage(error), { file: path, line: lineOf('versions')('patched') ?? 2, field: 'versions' }, { cause: error });
  }
  const cvssVector = advisory.string('cvss');
  let cvss: CvssScore | undefined;
  if (cvssVector !== undefined) {
    try {
      cvss = scoreCvss(cvssVector);
    } catch (error) {
      advisory.fail('cvss', `a CVSS v3.0, v3.1 or v4.0 vector (${errorMessage(error)})`);
    }
  }
  // The line after the closing fence, or the fence itself when nothing follows it.
  const { title, description } = splitTitle(body, path, Math.min(toml.split('\n').length + 2, text.split('\n').length));
  const result: Advisory = {
    id: advisory.requiredString('id'),
    package: advisory.requiredString('package'),
    date: advisory.date('date') ?? advisory.fail('date', 'a date "YYYY-MM-DD" (the field is required)'),
    references: advisory.strings('references'),
    categories: advisory.strings('categories'),
    keywords: advisory.strings('keywords'),
    aliases: advisory.strings('aliases'),
    related: advisory.strings('related'),
    patched,
    unaffected,
    ranges,
    title,
    description,
    path,
  };
  // Never used, but RustSec refuses a file whose `expect-deleted` is not true or false, and so does cratewatch.
  advisory.boolean('expect-deleted');
  const optional = {
    url: advisory.string('url'),
    informational: advisory.string('informational'),
    withdrawn: advisory.date('withdrawn'),
    license: advisory.string('license'),
    source: advisory.string('source'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(result, { [key]: value });
  }
  if (cvss) result.cvss = cvss;
  if (doc.affected !== undefined) {
    const affected = new FieldReader(top.subtable('affected'), 'affected', path, lineOf('affected'));
    const functions = affected.subtable('functions');
    const qualifiers: AffectedQualifiers = { arch: affected.strings('arch'), os: affected.strings('os'), functions: {} };
    const functionReader = new FieldReader(functions, 'affected.functions', path, lineOf('affected.functions'));
    for (const name of Object.keys(functions)) qualifiers.functions[name] = functionReader.strings(name);
    result.affected = qualifiers;
  }
  return result;
}

/** Where advisories live in the database: crate advisories or toolchain ones. */
function scopeOf(path: string): 'crates' | 'rust' | undefined {
  if (!path.endsWith('.md')) return undefined;
  if (path.startsWith('crates/')) return 'crates';
  if (path.startsWith('rust/')) return 'rust';
  return undefined;
}

/**
 * Builds the database from its files (paths relative to its root). Only `.md` files
 * under `crates/` and `rust/` are advisories; one that fails to parse becomes a
 * diagnostic and the rest still load. Toolchain advisories (`rust/`) are checked and
 * counted, never matched: a lockfile locks no toolchain.
 */
export function buildAdvisoryDb(files: Iterable<AdvisoryFile>, revision: string): AdvisoryDb {
  const byPackage = new Map<string, Advisory[]>();
  const diagnostics: AdvisoryDiagnostic[] = [];
  let advisoryCount = 0;
  for (const file of files) {
    const scope = scopeOf(file.path);
    if (!scope) continue;
    let advisory: Advisory;
    try {
      advisory = parseAdvisory(file.text, file.path);
    } catch (error) {
      if (!(error instanceof AdvisoryParseError)) throw error;
      diagnostics.push({ path: file.path, message: error.message });
      continue;
    }
    advisoryCount++;
    if (scope === 'rust') continue;
    const list = byPackage.get(advisory.package);
    if (list) list.push(advisory);
    else byPackage.set(advisory.package, [advisory]);
  }
  return { revision, byPackage, advisoryCount, diagnostics, fetchedAt: null };
}
