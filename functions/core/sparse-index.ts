// The Cargo registry index format: where a crate's file lives in a (sparse) index and
// what its NDJSON lines say about each published version.
import { errorMessage } from './errors.ts';
import type { IndexDependency, IndexReleaseDeps, IndexVersion } from './ports.ts';

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

const DEP_KINDS: readonly string[] = ['normal', 'dev', 'build'];

/**
 * Reads, for every release in an index file (file order), what it requires of the crate
 * `on`: the `deps` entries whose crate (`package` when renamed, else `name`; compared
 * without regard to case) is `on`. A separate pass from `parseIndexFile` so that the
 * lookups of a whole scan keep no dependency lists: only the few dependents of a
 * duplicated crate are read this way. Throws IndexParseError on a line that is not a
 * version entry or a matching `deps` entry of the wrong shape.
 *
 * @example parseIndexDeps(towerHttpFile, 'tower-http', 'http').find((r) => r.version === '0.4.4')?.deps[0]?.req // '^0.2.7'
 */
export function parseIndexDeps(text: string, crate: string, on: string): IndexReleaseDeps[] {
  const wanted = on.toLowerCase();
  const releases: IndexReleaseDeps[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const { version, yanked } = parseLine(line, crate, i + 1);
    const deps = (JSON.parse(line) as { deps?: unknown }).deps;
    if (deps !== undefined && !Array.isArray(deps)) throw new IndexParseError(crate, i + 1, `\`deps\` of ${version} is not a list`);
    const matching: IndexDependency[] = [];
    for (const dep of (deps ?? []) as unknown[]) {
      const entry = readDependency(dep, wanted, crate, i + 1, version);
      if (entry) matching.push(entry);
    }
    releases.push({ version, yanked, deps: matching });
  }
  return releases;
}

/** The entry when it names `wanted` (lower-case); undefined for entries naming other crates. */
function readDependency(dep: unknown, wanted: string, crate: string, line: number, version: string): IndexDependency | undefined {
  const fail = (reason: string): never => {
    throw new IndexParseError(crate, line, `a \`deps\` entry of ${version} ${reason}`);
  };
  if (typeof dep !== 'object' || dep === null || Array.isArray(dep)) return fail('is not a JSON object');
  const { name, package: renamed, req, kind, target, optional } = dep as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return fail('has no `name` string');
  if (renamed !== undefined && renamed !== null && typeof renamed !== 'string') return fail(`has \`package\` ${JSON.stringify(renamed)}, expected a string`);
  const names = typeof renamed === 'string' ? renamed : name;
  if (names.toLowerCase() !== wanted) return undefined;
  if (typeof req !== 'string') return fail(`on "${names}" has no \`req\` string`);
  if (kind !== undefined && kind !== null && !(typeof kind === 'string' && DEP_KINDS.includes(kind))) return fail(`on "${names}" has \`kind\` ${JSON.stringify(kind)}, expected "normal", "dev" or "build"`);
  if (target !== undefined && target !== null && typeof target !== 'string') return fail(`on "${names}" has \`target\` ${JSON.stringify(target)}, expected a string or null`);
  if (optional !== undefined && typeof optional !== 'boolean') return fail(`on "${names}" has \`optional\` ${JSON.stringify(optional)}, expected true or false`);
  return {
    name,
    package: typeof renamed === 'string' ? renamed : null,
    req,
    kind: (kind ?? 'normal') as IndexDependency['kind'],
    target: (target as string | null | undefined) ?? null,
    optional: optional ?? false,
  };
}
