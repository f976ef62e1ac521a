// Cargo.lock parsing, formats v1 to v4: packages, their sources, and the dependency graph,
// each dependency entry matched to a package by the rules Cargo reads it with
// (`src/cargo/core/resolver/encode.rs`). An entry Cargo skips is dropped with a warning;
// only a lockfile Cargo itself refuses is an error.
import semver from 'semver';
import { formatLocation, LockfileParseError, type SourceLocation } from './errors.ts';
import { indexTomlLines, parseTomlIn, type TomlLines } from './toml.ts';

export const CRATES_IO_REGISTRY = 'registry+https://github.com/rust-lang/crates.io-index';
export const CRATES_IO_SPARSE = 'sparse+https://index.crates.io/';

export type SourceKind = 'crates-io' | 'registry' | 'git';

/** Where a locked package comes from. Path and workspace packages have no source. */
export interface PackageSource {
  kind: SourceKind;
  /** The source string exactly as Cargo.lock writes it. */
  raw: string;
  /** The registry index or repository URL, without the `registry+`/`sparse+`/`git+` prefix. */
  url: string;
  /** Git only: the locked commit (after `#`). */
  commit?: string;
  /** Git only: what Cargo.toml asked for (`branch`, `tag` or `rev`); absent for the default branch. */
  reference?: { kind: 'branch' | 'tag' | 'rev'; value: string };
}

export interface LockedPackage {
  /** Position in `Lockfile.packages`; dependency lists refer to packages by it. */
  index: number;
  name: string;
  version: string;
  semver: semver.SemVer;
  source?: PackageSource;
  checksum?: string;
  dependencies: number[];
  /** 1-based line of the package's `[[package]]` header (`[root]` for a v1 root package). */
  line: number;
}

export type LockfileFormat = 1 | 2 | 3 | 4;

/** A dependency entry that names no single package: Cargo skips it when reading, and so does cratewatch. */
export interface LockfileWarning {
  /** Starts with where the entry is (`Cargo.lock:12 (field \`dependencies\`)`), as error messages do. */
  message: string;
  line: number;
  field: string;
}

export interface Lockfile {
  path: string;
  format: LockfileFormat;
  packages: LockedPackage[];
  /** Packages without a source (workspace members and path crates): where dependency paths start. */
  roots: number[];
  /** The dependency entries dropped because they name no single package, in file order. */
  warnings: LockfileWarning[];
}

/** The git reference of a source's query, as Cargo reads it: the last of `branch` (or the older `ref`), `tag`, `rev` wins. */
function gitReference(query: string): PackageSource['reference'] {
  let reference: PackageSource['reference'];
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === 'branch' || key === 'ref') reference = { kind: 'branch', value };
    else if (key === 'tag' || key === 'rev') reference = { kind: key, value };
  }
  return reference;
}

/** Reads a `source` string (`registry+…`, `sparse+…`, `git+…?rev=…#sha`). Returns undefined if unknown. */
export function parseSource(raw: string): PackageSource | undefined {
  if (raw === CRATES_IO_REGISTRY || raw === CRATES_IO_SPARSE) {
    return { kind: 'crates-io', raw, url: raw.slice(raw.indexOf('+') + 1) };
  }
  if (raw.startsWith('registry+') || raw.startsWith('sparse+')) {
    return { kind: 'registry', raw, url: raw.slice(raw.indexOf('+') + 1) };
  }
  if (raw.startsWith('git+')) {
    const hash = raw.indexOf('#');
    const withoutCommit = hash === -1 ? raw.slice(4) : raw.slice(4, hash);
    const source: PackageSource = { kind: 'git', raw, url: withoutCommit };
    if (hash !== -1) source.commit = raw.slice(hash + 1);
    const query = withoutCommit.indexOf('?');
    if (query !== -1) {
      source.url = withoutCommit.slice(0, query);
      const reference = gitReference(withoutCommit.slice(query + 1));
      if (reference) source.reference = reference;
    }
    return source;
  }
  return undefined;
}

/** A URL as the WHATWG parser normalises it; the text itself when it does not parse. */
function normalUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * A git URL as Cargo compares it (`CanonicalUrl`): no query, fragment or trailing slash, no
 * `.git` suffix, and github.com URLs lower-cased with the https scheme.
 */
function canonicalGitUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  parsed.search = '';
  parsed.hash = '';
  if (parsed.hostname === 'github.com') parsed = new URL(`https:${parsed.href.slice(parsed.protocol.length)}`);
  const base = parsed.href.slice(0, parsed.href.length - parsed.pathname.length);
  let path = parsed.hostname === 'github.com' ? parsed.pathname.toLowerCase() : parsed.pathname;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path.endsWith('.git')) path = path.slice(0, -4);
  return base + path;
}

/**
 * What Cargo compares when it asks whether two sources are one (`SourceId` equality): the
 * kind, the URL (canonical for git) and the git reference, never the locked commit.
 * `masterIsDefault` treats `?branch=master` as the default branch: v1 and v2 lockfiles name
 * such a source without the query in dependency entries (`encodable_package_id`), and the
 * Cargo versions that wrote them (1.47 on) held the two equal.
 */
function sourceIdentity(source: PackageSource, masterIsDefault: boolean): string {
  if (source.kind !== 'git') return `${source.raw.startsWith('sparse+') ? 'sparse' : 'registry'} ${normalUrl(source.url)}`;
  const ref = source.reference;
  const reference = !ref || (masterIsDefault && ref.kind === 'branch' && ref.value === 'master') ? 'default' : `${ref.kind}=${ref.value}`;
  return `git ${canonicalGitUrl(source.url)} ${reference}`;
}

/** The line of a `[[package]]` (or `[root]`) table and of the keys inside it. */
interface PackageBlock {
  line: number;
  keyLine: (key: string) => number | undefined;
}

/** The table at `path` (`package[3]`, `root`) in the text's lines (`indexTomlLines`); line 1 when it has no header. */
function packageBlock(tomlLines: TomlLines, path: string): PackageBlock {
  return { line: tomlLines.get(path) ?? 1, keyLine: (key) => tomlLines.get(`${path}.${key}`) };
}

function lineOf(lines: readonly string[], from: number, needle: string): number {
  for (let i = Math.max(0, from - 1); i < lines.length; i++) {
    if (lines[i]!.includes(needle)) return i + 1;
  }
  return from;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

interface RawPackage {
  name: string;
  version: string;
  parsed: semver.SemVer;
  source?: PackageSource;
  checksum?: string;
  dependencies: string[];
  block: PackageBlock;
}

/** Reads one `[[package]]` entry (or the `[root]` table); `label` names it while it has no name. */
function readPackage(raw: unknown, label: string, block: PackageBlock, file: string): RawPackage {
  const at = (field: string) => ({ file, line: block.keyLine(field) ?? block.line, field });
  if (!isTable(raw)) throw new LockfileParseError(`${label} is not a table`, { file, line: block.line });
  const { name, version, source, checksum, dependencies } = raw;
  if (typeof name !== 'string' || name === '') {
    throw new LockfileParseError(`${label} has no \`name\` string`, at('name'));
  }
  if (typeof version !== 'string') {
    throw new LockfileParseError(`package "${name}" has no \`version\` string`, at('version'));
  }
  const parsed = semver.parse(version);
  if (parsed === null) {
    throw new LockfileParseError(`package "${name}" has version "${version}", which is not a semantic version`, at('version'));
  }
  const pkg: RawPackage = { name, version, parsed, dependencies: [], block };
  if (source !== undefined) {
    const parsedSource = typeof source === 'string' ? parseSource(source) : undefined;
    if (!parsedSource) {
      throw new LockfileParseError(`package "${name} ${version}" has an unknown source ${JSON.stringify(source)}`, at('source'));
    }
    pkg.source = parsedSource;
  }
  if (checksum !== undefined) {
    if (typeof checksum !== 'string') throw new LockfileParseError(`package "${name} ${version}" has a non-string checksum`, at('checksum'));
    pkg.checksum = checksum;
  }
  if (dependencies !== undefined) {
    if (!Array.isArray(dependencies) || !dependencies.every((d) => typeof d === 'string')) {
      throw new LockfileParseError(`package "${name} ${version}" has \`dependencies\` that is not a list of strings`, at('dependencies'));
    }
    pkg.dependencies = dependencies;
  }
  return pkg;
}

/** A dependency entry (or `[metadata]` checksum key) split as Cargo splits it: `name [version [(source)]]`. */
interface Entry {
  name: string;
  version?: string;
  source?: PackageSource;
}

/** The entry, or why Cargo refuses it (and with it the whole lockfile). `readSource` reads a source string (`parseSource`). */
function parseEntry(text: string, readSource: (raw: string) => PackageSource | undefined): Entry | { malformed: string } {
  const first = text.indexOf(' ');
  if (first === -1) return { name: text };
  const name = text.slice(0, first);
  const second = text.indexOf(' ', first + 1);
  if (second === -1) return { name, version: text.slice(first + 1) };
  const version = text.slice(first + 1, second);
  const rest = text.slice(second + 1);
  if (!rest.startsWith('(') || !rest.endsWith(')')) return { malformed: 'is not "name [version] [(source)]"' };
  const source = readSource(rest.slice(1, -1));
  if (!source) return { malformed: `names an unknown source ${JSON.stringify(rest.slice(1, -1))}` };
  return { name, version, source };
}

type Match = { index: number } | { problem: string };

/** The lockfile's packages by name and version, answering dependency entries as Cargo's `lookup_id` does. */
class PackageTable {
  private readonly packages: readonly RawPackage[];
  private readonly masterIsDefault: boolean;
  private readonly byName = new Map<string, Map<string, number[]>>();
  private readonly identities = new Map<string, string>();
  private readonly sources = new Map<string, PackageSource | undefined>();
  /** Set once an entry used v2's short forms: no version, or no source for a registry or git package. */
  shortForm = false;

  constructor(packages: readonly RawPackage[], masterIsDefault: boolean) {
    this.packages = packages;
    this.masterIsDefault = masterIsDefault;
    packages.forEach((p, i) => {
      let byVersion = this.byName.get(p.name);
      if (!byVersion) this.byName.set(p.name, (byVersion = new Map()));
      const list = byVersion.get(p.version);
      if (list) list.push(i);
      else byVersion.set(p.version, [i]);
    });
  }

  /** Splits an entry as `parseEntry` does, reading each distinct source string once. */
  entry(text: string): Entry | { malformed: string } {
    return parseEntry(text, (raw) => {
      if (!this.sources.has(raw)) this.sources.set(raw, parseSource(raw));
      return this.sources.get(raw);
    });
  }

  private identity(source: PackageSource): string {
    let id = this.identities.get(source.raw);
    if (id === undefined) this.identities.set(source.raw, (id = sourceIdentity(source, this.masterIsDefault)));
    return id;
  }

  private describe(indices: readonly number[]): string {
    return indices.map((i) => this.packages[i]!.source?.raw.split('#')[0] ?? 'a path').join(', ');
  }

  find(entry: Entry): Match {
    const byVersion = this.byName.get(entry.name);
    if (!byVersion) return { problem: `no package named "${entry.name}" is locked` };
    const versions = () => [...byVersion.keys()].join(', ');
    let candidates: number[];
    if (entry.version !== undefined) {
      const atVersion = byVersion.get(entry.version);
      if (!atVersion) return { problem: `${entry.name} is locked at ${versions()}, not at ${entry.version}` };
      candidates = atVersion;
    } else {
      this.shortForm = true;
      if (byVersion.size !== 1) return { problem: `the entry gives no version and ${entry.name} is locked at ${byVersion.size} versions (${versions()})` };
      candidates = [...byVersion.values()][0]!;
    }
    const version = this.packages[candidates[0]!]!.version;
    if (entry.source) {
      const wanted = this.identity(entry.source);
      const same = candidates.filter((i) => {
        const source = this.packages[i]!.source;
        return source !== undefined && this.identity(source) === wanted;
      });
      if (same.length === 1) return { index: same[0]! };
      return same.length === 0
        ? { problem: `${entry.name} ${version} is not locked from that source, only from ${this.describe(candidates)}` }
        : { problem: `${same.length} packages ${entry.name} ${version} are locked from that source` };
    }
    // No source: a path package cannot write one, so a single path candidate is the one meant.
    const paths = candidates.filter((i) => !this.packages[i]!.source);
    if (paths.length === 1) return { index: paths[0]! };
    if (paths.length === 0 && candidates.length === 1) {
      this.shortForm = true;
      return { index: candidates[0]! };
    }
    return { problem: `the entry gives no source and ${entry.name} ${version} is locked from ${candidates.length} sources (${this.describe(candidates)})` };
  }
}

/** Two packages Cargo would take for one (same name, version and source, commit aside): Cargo refuses the file. */
function rejectTwice(packages: readonly RawPackage[], file: string): void {
  const seen = new Map<string, number>();
  const identities = new Map<string, string>();
  const identity = (source: PackageSource) => {
    let id = identities.get(source.raw);
    if (id === undefined) identities.set(source.raw, (id = sourceIdentity(source, false)));
    return id;
  };
  for (const p of packages) {
    const key = `${p.name} ${p.version} ${p.source ? identity(p.source) : 'path'}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new LockfileParseError(`package "${p.name} ${p.version}" is listed twice (also at line ${earlier})`, { file, line: p.block.line });
    }
    seen.set(key, p.block.line);
  }
}

function resolveDependencies(packages: readonly RawPackage[], table: PackageTable, lines: readonly string[], file: string): { dependencies: number[][]; warnings: LockfileWarning[] } {
  const warnings: LockfileWarning[] = [];
  const dependencies = packages.map((pkg) => {
    const resolved: number[] = [];
    for (const dep of pkg.dependencies) {
      const where = (): SourceLocation & { line: number } => ({
        file,
        line: lineOf(lines, pkg.block.keyLine('dependencies') ?? pkg.block.line, `"${dep}"`),
        field: 'dependencies',
      });
      const entry = table.entry(dep);
      if ('malformed' in entry) throw new LockfileParseError(`dependency "${dep}" of ${pkg.name} ${pkg.version} ${entry.malformed}`, where());
      const match = table.find(entry);
      if ('index' in match) {
        resolved.push(match.index);
        continue;
      }
      const at = where();
      const message =
        `dependency "${dep}" of ${pkg.name} ${pkg.version} names no single package (${match.problem}); Cargo skips such an entry, ` +
        'so cratewatch leaves the edge out and paths through it are not shown; `cargo update --workspace` has Cargo rewrite it';
      warnings.push({ message: `${formatLocation(at)}: ${message}`, line: at.line, field: 'dependencies' });
    }
    return resolved;
  });
  return { dependencies, warnings };
}

/**
 * v1's `[metadata]` checksums (`"checksum NAME VERSION (SOURCE)" = "…"`, `<none>` for git), by
 * package. A key naming no package is skipped, as Cargo skips it; a key that is not of that
 * form, or a value that is not a string, makes Cargo refuse the file.
 */
function metadataChecksums(
  metadata: unknown,
  table: PackageTable,
  tomlLines: TomlLines,
  file: string,
): { checksums: Map<number, string | undefined>; keys: number } {
  const checksums = new Map<number, string | undefined>();
  let keys = 0;
  if (metadata === undefined) return { checksums, keys };
  const header = tomlLines.get('metadata') ?? 1;
  if (!isTable(metadata)) throw new LockfileParseError('`metadata` is not a table', { file, line: header, field: 'metadata' });
  for (const [key, value] of Object.entries(metadata)) {
    const where = () => ({ file, line: tomlLines.get(`metadata.${key}`) ?? header, field: 'metadata' });
    if (typeof value !== 'string') throw new LockfileParseError(`[metadata] key ${JSON.stringify(key)} has a value that is not a string`, where());
    if (!key.startsWith('checksum ')) continue;
    keys++;
    const entry = table.entry(key.slice('checksum '.length));
    if ('malformed' in entry) throw new LockfileParseError(`[metadata] key ${JSON.stringify(key)} ${entry.malformed}`, where());
    const match = table.find(entry);
    if ('index' in match) checksums.set(match.index, value === '<none>' ? undefined : value);
  }
  return { checksums, keys };
}

/** The `version` key, when the file has one (v3 on); v1 and v2 have none. */
function explicitFormat(doc: Record<string, unknown>, file: string, tomlLines: TomlLines): LockfileFormat | undefined {
  const { version } = doc;
  if (version === undefined) return undefined;
  if (version === 1 || version === 2 || version === 3 || version === 4) return version;
  throw new LockfileParseError(
    `lockfile format version ${JSON.stringify(version)} is not one cratewatch reads (1 to 4); a newer Cargo may have written it`,
    { file, line: tomlLines.get('version') ?? 1, field: 'version' },
  );
}

/**
 * Parses the text of a Cargo.lock. `file` names it in errors and warnings.
 * Throws LockfileParseError naming the line (and field) of the first problem that makes
 * Cargo refuse the file; entries Cargo skips end up in `warnings` instead.
 */
export function parseLockfile(text: string, file: string): Lockfile {
  const doc = parseTomlIn(text, file, (message, location, options) => new LockfileParseError(message, location, options));
  const lines = text.split(/\r?\n/);
  const tomlLines = indexTomlLines(text);
  const rawPackages = doc.package ?? [];
  if (!Array.isArray(rawPackages)) {
    throw new LockfileParseError('`package` is a table, not a list of [[package]] entries: is this a Cargo.toml?', {
      file,
      line: tomlLines.get('package') ?? 1,
      field: 'package',
    });
  }
  const packages = rawPackages.map((raw, i) => readPackage(raw, `package #${i + 1}`, packageBlock(tomlLines, `package[${i}]`), file));
  // Lockfiles written before late 2017 (rust-lang/cargo#4571) keep the root crate in `[root]`; Cargo reads it as the first package.
  if (doc.root !== undefined) packages.unshift(readPackage(doc.root, 'the [root] package', packageBlock(tomlLines, 'root'), file));
  const explicit = explicitFormat(doc, file, tomlLines);
  rejectTwice(packages, file);

  const table = new PackageTable(packages, explicit === undefined || explicit <= 2);
  const { dependencies, warnings } = resolveDependencies(packages, table, lines, file);
  const fromMetadata = metadataChecksums(doc.metadata, table, tomlLines, file);
  // Without a `version` key Cargo starts from v1 and takes v2 once it sees inline checksums or v2's short entries.
  let format: LockfileFormat = explicit ?? (packages.some((p) => p.checksum !== undefined) || table.shortForm ? 2 : 1);
  const checksums = new Map<number, string | undefined>();
  packages.forEach((p, i) => p.checksum !== undefined && checksums.set(i, p.checksum));
  for (const [index, checksum] of fromMetadata.checksums) checksums.set(index, checksum);
  // [metadata] checksums in a v2 or later file mean a bad merge: Cargo drops every checksum and computes them anew.
  if (fromMetadata.keys > 0 && format >= 2) checksums.clear();
  // A new lockfile with one package has nothing that tells v2 from v1 but its single trailing newline.
  if (format === 1 && packages.length === 1 && text.endsWith('\n') && !text.endsWith('\n\n')) format = 2;

  const locked: LockedPackage[] = packages.map((p, index) => {
    const pkg: LockedPackage = { index, name: p.name, version: p.version, semver: p.parsed, dependencies: dependencies[index]!, line: p.block.line };
    if (p.source) pkg.source = p.source;
    const checksum = checksums.get(index);
    if (checksum !== undefined) pkg.checksum = checksum;
    return pkg;
  });
  return { path: file, format, packages: locked, roots: locked.filter((p) => !p.source).map((p) => p.index), warnings };
}
