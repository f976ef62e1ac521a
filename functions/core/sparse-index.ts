// The Cargo registry index format: where a crate's file lives in a (sparse) index and
// what its NDJSON lines say about each published version.
import { errorMessage } from './errors.ts';
import type { IndexVersion } from './ports.ts';

/** Crate names the registries accept: ASCII letters, digits, `-` and `_`. */
const CRATE_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * The path of a crate's file inside the index, lower-cased as Cargo does (crates.io
 * names are case-insensitive; the files are stored under the lower-case name).
 * Throws for a name no registry would accept, so it can never reach another path.
 *
 * @example indexPath('Serde') // 'se/rd/serde'; indexPath('syn') // '3/s/syn'
 */
export function indexPath(name: string): string {
  if (!CRATE_NAME.test(name)) {
    throw new Error(`"${name}" is not a crate name (ASCII letters, digits, "-" and "_" only), so it has no index path`);
  }
  const lower = name.toLowerCase();
  switch (lower.length) {
    case 1:
      return `1/${lower}`;
    case 2:
      return `2/${lower}`;
    case 3:
      return `3/${lower[0]}/${lower}`;
    default:
      return `${lower.slice(0, 2)}/${lower.slice(2, 4)}/${lower}`;
  }
}

/** A line of an index file that is not a version entry; the body is likely truncated or not an index file. */
export class IndexParseError extends Error {
  override name = 'IndexParseError';
  readonly crate: string;
  readonly line: number;
  constructor(crate: string, line: number, reason: string, options?: { cause?: unknown }) {
    super(`index file of crate "${crate}", line ${line}: ${reason}`, options);
    this.crate = crate;
    this.line = line;
  }
}

/**
 * Reads an index file: one JSON object a line, one line per published version, oldest
 * first. Only `vers`, `yanked` and `rust_version` are used; `deps`, `features`,
 * `features2`, `v` and the rest are left alone. Blank lines are skipped. Any other line
 * that is not a JSON object with a `vers` string throws IndexParseError, since a cut-off
 * body looks exactly like that.
 */
export function parseIndexFile(text: string, crate: string): IndexVersion[] {
  const versions: IndexVersion[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    versions.push(parseLine(line, crate, i + 1));
  }
  return versions;
}

function parseLine(line: string, crate: string, number: number): IndexVersion {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch (error) {
    throw new IndexParseError(crate, number, `not valid JSON (${errorMessage(error)}): a cut-off body, or not an index file`, { cause: error });
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new IndexParseError(crate, number, 'expected a JSON object per line');
  }
  const { vers, yanked, rust_version: rustVersion } = entry as Record<string, unknown>;
  if (typeof vers !== 'string' || vers === '') {
    throw new IndexParseError(crate, number, 'no `vers` string');
  }
  if (yanked !== undefined && typeof yanked !== 'boolean') {
    throw new IndexParseError(crate, number, `\`yanked\` is ${JSON.stringify(yanked)}, expected true or false`);
  }
  if (rustVersion !== undefined && rustVersion !== null && typeof rustVersion !== 'string') {
    throw new IndexParseError(crate, number, `\`rust_version\` is ${JSON.stringify(rustVersion)}, expected a string or null`);
  }
  return { version: vers, yanked: yanked ?? false, rustVersion: rustVersion ?? null };
}
