// Cargo.lock parsing, formats v1 to v4: packages, their sources, and the dependency
// graph with every dependency string resolved to the exact package it names.
import semver from 'semver';
import { LockfileParseError } from './errors.ts';
import { parseTomlIn } from './toml.ts';

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
  /** Git only: what Cargo.toml asked for (`branch`, `tag` or `rev`). */
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
  /** 1-based line of the package's `[[package]]` header. */
  line: number;
}

export type LockfileFormat = 1 | 2 | 3 | 4;

export interface Lockfile {
  path: string;
  format: LockfileFormat;
  packages: LockedPackage[];
  /** Packages without a source (workspace members and path crates): where dependency paths start. */
  roots: number[];
}

/** `name@version`, the spec `cargo update -p` takes. */
export function packageSpec(pkg: Pick<LockedPackage, 'name' | 'version'>): string {
  return `${pkg.name}@${pkg.version}`;
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
      const params = new URLSearchParams(withoutCommit.slice(query + 1));
      for (const kind of ['branch', 'tag', 'rev'] as const) {
        const value = params.get(kind);
        if (value !== null) source.reference = { kind, value };
      }
    }
    return source;
  }
  return undefined;
}

/** Line numbers of each `[[package]]` block and of the keys inside it. */
interface PackageBlock {
  line: number;
  keys: Map<string, number>;
}

function indexPackageBlocks(lines: readonly string[]): PackageBlock[] {
  const blocks: PackageBlock[] = [];
  let current: PackageBlock | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('[')) {
      current = /^\[\[\s*package\s*\]\]/.test(line) ? { line: i + 1, keys: new Map() } : undefined;
      if (current) blocks.push(current);
    } else if (current) {
      const key = /^"?([A-Za-z0-9_-]+)"?\s*=/.exec(line);
      if (key) current.keys.set(key[1]!, i + 1);
    }
  }
  return blocks;
}

function lineOf(lines: readonly string[], from: number, needle: string): number {
  for (let i = Math.max(0, from - 1); i < lines.length; i++) {
    if (lines[i]!.includes(needle)) return i + 1;
  }
  return from;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

function readPackage(raw: unknown, position: number, block: PackageBlock, file: string): RawPackage {
  const at = (field: string) => ({ file, line: block.keys.get(field) ?? block.line, field });
  if (!isTable(raw)) throw new LockfileParseError('a [[package]] entry is not a table', { file, line: block.line });
  const { name, version, source, checksum, dependencies } = raw;
  if (typeof name !== 'string' || name === '') {
    throw new LockfileParseError(`package #${position + 1} has no \`name\` string`, at('name'));
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

/** Applies v1's `[metadata]` checksums (`"checksum NAME VERSION (SOURCE)" = "…"`). */
function applyMetadataChecksums(packages: RawPackage[], metadata: unknown): void {
  if (!isTable(metadata)) return;
  const byKey = new Map(packages.map((p) => [`checksum ${p.name} ${p.version} (${p.source?.raw ?? ''})`, p]));
  for (const [key, value] of Object.entries(metadata)) {
    const pkg = byKey.get(key);
    if (pkg && typeof value === 'string' && value !== '<none>' && pkg.checksum === undefined) pkg.checksum = value;
  }
}

/** Dependency strings name git sources without the locked commit (`#sha`) that packages carry. */
function withoutCommit(source: string | undefined): string | undefined {
  const hash = source?.indexOf('#') ?? -1;
  return hash === -1 ? source : source!.slice(0, hash);
}

const DEPENDENCY = /^(\S+)(?: (\S+))?(?: \((.+)\))?$/;

function resolveDependencies(packages: RawPackage[], lines: readonly string[], file: string): number[][] {
  const byName = new Map<string, number[]>();
  packages.forEach((p, i) => {
    const list = byName.get(p.name);
    if (list) list.push(i);
    else byName.set(p.name, [i]);
  });
  return packages.map((pkg) =>
    pkg.dependencies.map((dep) => {
      const where = () => ({
        file,
        line: lineOf(lines, pkg.block.keys.get('dependencies') ?? pkg.block.line, `"${dep}"`),
        field: 'dependencies',
      });
      const match = DEPENDENCY.exec(dep);
      if (!match) throw new LockfileParseError(`dependency "${dep}" of ${pkg.name} ${pkg.version} is not "name [version] [(source)]"`, where());
      const [, name, version, source] = match;
      const candidates = (byName.get(name!) ?? []).filter(
        (i) => (version === undefined || packages[i]!.version === version) && (source === undefined || withoutCommit(packages[i]!.source?.raw) === withoutCommit(source)),
      );
      if (candidates.length === 0) {
        throw new LockfileParseError(`dependency "${dep}" of ${pkg.name} ${pkg.version} names no package in this lockfile`, where());
      }
      if (candidates.length > 1) {
        throw new LockfileParseError(`dependency "${dep}" of ${pkg.name} ${pkg.version} matches ${candidates.length} packages; it needs a version or source`, where());
      }
      return candidates[0]!;
    }),
  );
}

function detectFormat(doc: Record<string, unknown>, packages: RawPackage[], file: string, lines: readonly string[]): LockfileFormat {
  const { version } = doc;
  if (version === undefined) {
    // v1 keeps checksums in [metadata] and writes every dependency as "name version …";
    // v2 has inline checksums and shortens unambiguous dependencies to "name".
    const metadata = isTable(doc.metadata) ? Object.keys(doc.metadata) : [];
    if (metadata.some((key) => key.startsWith('checksum '))) return 1;
    const v2 = packages.some((p) => p.checksum !== undefined || p.dependencies.some((d) => !d.includes(' ')));
    return v2 ? 2 : 1;
  }
  if (version === 1 || version === 2 || version === 3 || version === 4) return version;
  throw new LockfileParseError(
    `lockfile format version ${JSON.stringify(version)} is not one cratewatch reads (1 to 4); a newer Cargo may have written it`,
    { file, line: lineOf(lines, 1, 'version'), field: 'version' },
  );
}

/**
 * Parses the text of a Cargo.lock. `file` names it in errors.
 * Throws LockfileParseError naming the line (and field) of the first problem.
 */
export function parseLockfile(text: string, file: string): Lockfile {
  const doc = parseTomlIn(text, file, (message, location, options) => new LockfileParseError(message, location, options));
  const lines = text.split(/\r?\n/);
  const rawPackages = doc.package ?? [];
  if (!Array.isArray(rawPackages)) {
    throw new LockfileParseError('`package` is a table, not a list of [[package]] entries: is this a Cargo.toml?', {
      file,
      line: lineOf(lines, 1, '[package]'),
      field: 'package',
    });
  }
  const blocks = indexPackageBlocks(lines);
  const packages = rawPackages.map((raw, i) => readPackage(raw, i, blocks[i] ?? { line: 1, keys: new Map() }, file));
  const format = detectFormat(doc, packages, file, lines);
  if (format === 1) applyMetadataChecksums(packages, doc.metadata);
  const dependencies = resolveDependencies(packages, lines, file);
  const seen = new Map<string, number>();
  const locked: LockedPackage[] = packages.map((p, index) => {
    const key = `${p.name} ${p.version} ${p.source?.raw ?? ''}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new LockfileParseError(`package "${p.name} ${p.version}" is listed twice (also at line ${earlier})`, { file, line: p.block.line });
    }
    seen.set(key, p.block.line);
    const pkg: LockedPackage = { index, name: p.name, version: p.version, semver: p.parsed, dependencies: dependencies[index]!, line: p.block.line };
    if (p.source) pkg.source = p.source;
    if (p.checksum !== undefined) pkg.checksum = p.checksum;
    return pkg;
  });
  return { path: file, format, packages: locked, roots: locked.filter((p) => !p.source).map((p) => p.index) };
}
