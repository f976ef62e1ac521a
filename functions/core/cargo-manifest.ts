// A Cargo.toml read into what the pinning checks need — package, workspace, every dependency
// table (normal, dev, build, per target), `[patch]` and `[replace]` — each entry with its line.
import { parseCargoReq } from './cargo-version-req.ts';
import { ConfigError, errorMessage } from './errors.ts';
import { formatTomlPath, indexTomlLines, parseTomlIn } from './toml.ts';

export type DependencyKind = 'normal' | 'dev' | 'build';

/** How an entry is written, which decides how it can be edited in place. */
export type EntryForm = 'string' | 'inline' | 'table' | 'dotted';

export interface GitSpec {
  url: string;
  rev?: string;
  tag?: string;
  branch?: string;
}

/** One dependency entry as written (inheritance not applied: see workspace-members.ts). */
export interface ManifestDependency {
  /** The key in its table: the name the code uses. */
  key: string;
  /** The package it names: `package = …` when renamed, else the key. */
  name: string;
  kind: DependencyKind;
  /** `cfg(unix)` or a target triple for `[target.….dependencies]`; null otherwise. */
  target: string | null;
  /** The table's field path, as `indexTomlLines` names it (`target.cfg(unix).dependencies`). */
  table: string;
  /** 1-based line of the entry's key (or of its `[dependencies.name]` header). */
  line: number;
  form: EntryForm;
  /** The version requirement as written; null when absent (path/git only, or inherited). */
  version: string | null;
  /** `workspace = true`: the entry inherits from `[workspace.dependencies]`. */
  workspace: boolean;
  path: string | null;
  git: GitSpec | null;
  registry: string | null;
  features: string[];
  /** `default-features` (or the old `default_features`) when written; null when not. */
  defaultFeatures: boolean | null;
  optional: boolean;
  /** The keys written in the entry's table (`['version']` for a bare string), in order. */
  keys: string[];
}

export interface ManifestPackage {
  name: string | null;
  /** null when absent or inherited (`version.workspace = true`). */
  version: string | null;
  rustVersion: string | null;
  inheritsRustVersion: boolean;
  line: number;
}

export interface ManifestWorkspace {
  line: number;
  members: string[];
  membersLine: number | null;
  exclude: string[];
  defaultMembers: string[];
  /** `[workspace.package]` as written (only plain values are read by cratewatch). */
  package: Record<string, unknown>;
  /** `[workspace.dependencies]`; `kind` is 'normal' and `table` is `workspace.dependencies`. */
  dependencies: ManifestDependency[];
  /** 1-based line of `[workspace.dependencies]`; null when there is none. */
  dependenciesLine: number | null;
}

export interface PatchTable {
  /** `crates-io`, a registry name or a git URL: what `[patch.<registry>]` names. */
  registry: string;
  dependencies: ManifestDependency[];
}

export interface CargoManifest {
  path: string;
  /** The text it was read from: the pin plan edits it line by line. */
  text: string;
  package: ManifestPackage | null;
  workspace: ManifestWorkspace | null;
  /** Every entry of every dependency table of the package, in file order. */
  dependencies: ManifestDependency[];
  patch: PatchTable[];
  /** `[replace]` entries; `key` is the package spec (`foo:1.0.0`). */
  replace: ManifestDependency[];
}

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

const KIND_TABLES: readonly (readonly [string, DependencyKind])[] = [
  ['dependencies', 'normal'],
  ['dev-dependencies', 'dev'],
  ['dev_dependencies', 'dev'],
  ['build-dependencies', 'build'],
  ['build_dependencies', 'build'],
];

/** Reads a manifest's fields with their lines; every type error names file, line and field. */
class ManifestReader {
  readonly file: string;
  readonly lines: Map<string, number>;
  readonly textLines: string[];
  constructor(file: string, text: string) {
    this.file = file;
    this.lines = indexTomlLines(text);
    this.textLines = text.split('\n');
  }

  /** The line of a field, or of its first dotted sub-key (`serde.workspace = true`), or of its parent. */
  lineOf(path: readonly string[]): number {
    for (let n = path.length; n > 0; n--) {
      const field = formatTomlPath(path.slice(0, n));
      const exact = this.lines.get(field);
      if (exact !== undefined) return exact;
      let first: number | undefined;
      for (const [key, line] of this.lines) {
        if (key.startsWith(`${field}.`) && (first === undefined || line < first)) first = line;
      }
      if (first !== undefined) return first;
    }
    return 1;
  }

  fail(path: readonly string[], message: string): never {
    throw new ConfigError(message, { file: this.file, line: this.lineOf(path), field: formatTomlPath(path) });
  }

  string(value: unknown, path: readonly string[]): string | null {
    if (value === undefined) return null;
    if (typeof value !== 'string') this.fail(path, 'must be a string');
    return value;
  }

  bool(value: unknown, path: readonly string[]): boolean | null {
    if (value === undefined) return null;
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }

  strings(value: unknown, path: readonly string[]): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) this.fail(path, 'must be an array of strings');
    return value as string[];
  }

  table(value: unknown, path: readonly string[]): Table {
    if (value === undefined) return {};
    if (!isTable(value)) this.fail(path, 'must be a table');
    return value;
  }

  /** A version requirement Cargo accepts, or null. */
  requirement(value: string | null, path: readonly string[]): string | null {
    if (value === null) return null;
    try {
      parseCargoReq(value);
    } catch (error) {
      this.fail(path, `${errorMessage(error)}: write a requirement such as "1.2" or ">= 1.2, < 2"`);
    }
    return value;
  }

  formOf(path: readonly string[], value: unknown): EntryForm {
    if (typeof value === 'string') return 'string';
    const line = this.textLines[this.lineOf(path) - 1] ?? '';
    if (line.trimStart().startsWith('[')) return 'table';
    const key = path.at(-1)!;
    const before = line.slice(0, line.indexOf('=')).trim();
    return before === key || before === `"${key}"` || before === `'${key}'` ? 'inline' : 'dotted';
  }

  dependency(key: string, value: unknown, table: readonly string[], kind: DependencyKind, target: string | null): ManifestDependency {
    const path = [...table, key];
    const base = { key, name: key, kind, target, table: formatTomlPath(table), line: this.lineOf(path), form: this.formOf(path, value) };
    const empty = { version: null, workspace: false, path: null, git: null, registry: null, features: [], defaultFeatures: null, optional: false, keys: ['version'] };
    if (typeof value === 'string') return { ...base, ...empty, version: this.requirement(value, path) };
    if (!isTable(value)) this.fail(path, 'a dependency must be a version string or a table');
    const field = (name: string) => [...path, name];
    const workspace = this.bool(value.workspace, field('workspace'));
    if (workspace === false) this.fail(field('workspace'), '`workspace = false` is not allowed: remove it or set it to true');
    const gitUrl = this.string(value.git, field('git'));
    let git: GitSpec | null = null;
    if (gitUrl !== null) {
      git = { url: gitUrl };
      for (const ref of ['rev', 'tag', 'branch'] as const) {
        const v = this.string(value[ref], field(ref));
        if (v !== null) git[ref] = v;
      }
      if ([git.rev, git.tag, git.branch].filter((v) => v !== undefined).length > 1) {
        this.fail(path, 'only one of `branch`, `tag` or `rev` may be given for a git dependency');
      }
    }
    const defaultFeatures = this.bool(value['default-features'], field('default-features')) ?? this.bool(value.default_features, field('default_features'));
    return {
      ...base,
      name: this.string(value.package, field('package')) ?? key,
      version: this.requirement(this.string(value.version, field('version')), field('version')),
      workspace: workspace === true,
      path: this.string(value.path, field('path')),
      git,
      registry: this.string(value.registry, field('registry')),
      features: this.strings(value.features, field('features')),
      defaultFeatures,
      optional: this.bool(value.optional, field('optional')) ?? false,
      keys: Object.keys(value),
    };
  }

  dependencyTable(value: unknown, table: readonly string[], kind: DependencyKind, target: string | null): ManifestDependency[] {
    const entries = this.table(value, table);
    return Object.entries(entries).map(([key, dep]) => this.dependency(key, dep, table, kind, target));
  }
}

/**
 * Reads a Cargo.toml. Throws ConfigError naming file, line and field when it is not valid
 * TOML or a field Cargo needs has the wrong type.
 *
 * @example parseCargoManifest('[dependencies]\nserde = "1"\n', 'Cargo.toml').dependencies[0].version // "1"
 */
export function parseCargoManifest(text: string, file: string): CargoManifest {
  const doc = parseTomlIn(text, file, (message, location, options) => new ConfigError(message, location, options));
  const read = new ManifestReader(file, text);

  let pkg: ManifestPackage | null = null;
  if (doc.package !== undefined) {
    const p = read.table(doc.package, ['package']);
    const rust = p['rust-version'];
    const inherits = isTable(rust) && rust.workspace === true;
    pkg = {
      name: read.string(p.name, ['package', 'name']),
      version: typeof p.version === 'string' ? p.version : null,
      rustVersion: inherits ? null : read.string(rust, ['package', 'rust-version']),
      inheritsRustVersion: inherits,
      line: read.lineOf(['package']),
    };
  }

  const dependencies: ManifestDependency[] = [];
  const readKinds = (holder: Table, prefix: readonly string[], target: string | null) => {
    for (const [name, kind] of KIND_TABLES) {
      if (holder[name] !== undefined) dependencies.push(...read.dependencyTable(holder[name], [...prefix, name], kind, target));
    }
  };
  readKinds(doc, [], null);
  for (const [target, holder] of Object.entries(read.table(doc.target, ['target']))) {
    readKinds(read.table(holder, ['target', target]), ['target', target], target);
  }
  dependencies.sort((a, b) => a.line - b.line);

  let workspace: ManifestWorkspace | null = null;
  if (doc.workspace !== undefined) {
    const ws = read.table(doc.workspace, ['workspace']);
    workspace = {
      line: read.lineOf(['workspace']),
      members: read.strings(ws.members, ['workspace', 'members']),
      membersLine: ws.members === undefined ? null : read.lineOf(['workspace', 'members']),
      exclude: read.strings(ws.exclude, ['workspace', 'exclude']),
      defaultMembers: read.strings(ws['default-members'], ['workspace', 'default-members']),
      package: read.table(ws.package, ['workspace', 'package']),
      dependencies: read.dependencyTable(ws.dependencies, ['workspace', 'dependencies'], 'normal', null),
      dependenciesLine: ws.dependencies === undefined ? null : read.lineOf(['workspace', 'dependencies']),
    };
    for (const dep of workspace.dependencies) {
      if (dep.workspace) read.fail(['workspace', 'dependencies', dep.key], 'a `[workspace.dependencies]` entry cannot itself be `workspace = true`');
      if (dep.optional) read.fail(['workspace', 'dependencies', dep.key, 'optional'], '`optional` is not allowed in `[workspace.dependencies]`: set it in the member');
    }
  }

  const patch = Object.entries(read.table(doc.patch, ['patch'])).map(([registry, entries]) => ({
    registry,
    dependencies: read.dependencyTable(entries, ['patch', registry], 'normal', null),
  }));
  const replace = read.dependencyTable(doc.replace, ['replace'], 'normal', null);

  return { path: file, text, package: pkg, workspace, dependencies, patch, replace };
}
