// A Cargo workspace put together from the manifests a repository has: the members its
// `members` globs and `exclude` select (plus path dependencies inside the root, as Cargo
// adds them), nested workspaces set apart, and `workspace = true` entries resolved.
import { parseCargoManifest, type CargoManifest, type GitSpec, type ManifestDependency } from './cargo-manifest.ts';
import { ConfigError } from './errors.ts';

export interface WorkspaceMember {
  /** The member's folder relative to the repository, '' for the repository root. */
  dir: string;
  manifest: CargoManifest;
  /** `[package] name`, or the folder when it has none. */
  name: string;
}

/** A dependency of a member with inheritance applied: what Cargo would use. */
export interface ResolvedDependency {
  member: WorkspaceMember;
  /** The entry as the member writes it (its line, form and own keys). */
  declared: ManifestDependency;
  /** The `[workspace.dependencies]` entry it inherits; null when it does not inherit. */
  inherited: ManifestDependency | null;
  name: string;
  version: string | null;
  /** The path dependency's folder relative to the repository (not to the manifest). */
  path: string | null;
  git: GitSpec | null;
  registry: string | null;
  features: string[];
  defaultFeatures: boolean;
  optional: boolean;
}

export interface Workspace {
  root: CargoManifest;
  /** The root's folder relative to the repository ('' at the top). */
  rootDir: string;
  /** Every member, the root package first when the root has one. */
  members: WorkspaceMember[];
  /** `members` entries (not globs) whose folder has no Cargo.toml among the files given. */
  missing: string[];
  /** Manifests under the root that are workspaces of their own and so not members. */
  nested: string[];
  dependencies: ResolvedDependency[];
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** A path relative to a repository folder, as a repository-relative path. */
export function joinPath(dir: string, rel: string): string {
  return normalizePath(dir === '' ? rel : `${dir}/${rel}`);
}

/** `a/./b/../c/` → `a/c`; leading `..` parts that leave the repository are kept. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out.at(-1) !== '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** `path` relative to `from` (both repository-relative folders), `/`-separated. */
export function relativePath(from: string, path: string): string {
  const a = from === '' ? [] : from.split('/');
  const b = path === '' ? [] : path.split('/');
  let same = 0;
  while (same < a.length && same < b.length && a[same] === b[same]) same++;
  const up = a.slice(same).map(() => '..');
  return [...up, ...b.slice(same)].join('/') || '.';
}

const GLOB_CHARS = /[*?[]/;

/** A `members` glob as Cargo's `glob` crate reads it: `*`, `?`, `[…]` within a part, `**` across parts. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  const parts = normalizePath(pattern).split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      source += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    for (let j = 0; j < part.length; j++) {
      const ch = part[j]!;
      if (ch === '*') source += '[^/]*';
      else if (ch === '?') source += '[^/]';
      else if (ch === '[') {
        const close = part.indexOf(']', j + 2);
        if (close === -1) source += '\\[';
        else {
          const body = part.slice(j + 1, close);
          source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
          j = close;
        }
      } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    if (!last) source += '/';
  });
  return new RegExp(`^${source}$`);
}

function memberName(dir: string, manifest: CargoManifest): string {
  return manifest.package?.name ?? (dir === '' ? '(root)' : dir);
}

/**
 * Resolves the workspace whose root manifest is `rootPath`, from the manifests of the
 * repository (repository-relative paths). Throws ConfigError when a manifest does not parse
 * or a `workspace = true` entry has nothing to inherit.
 *
 * Cargo's rules followed: glob members match folders that hold a Cargo.toml; `exclude`
 * removes glob matches at or under an excluded path (an explicitly listed member stays);
 * a manifest with its own `[workspace]` is a separate workspace, not a member; path
 * dependencies inside the root folder are members too.
 */
export function resolveWorkspace(rootPath: string, files: readonly { path: string; text: string }[]): Workspace {
  const texts = new Map(files.map((f) => [normalizePath(f.path), f.text]));
  const parsed = new Map<string, CargoManifest>();
  const manifestAt = (path: string): CargoManifest | undefined => {
    const cached = parsed.get(path);
    if (cached) return cached;
    const text = texts.get(path);
    if (text === undefined) return undefined;
    const manifest = parseCargoManifest(text, path);
    parsed.set(path, manifest);
    return manifest;
  };
  const rootFile = normalizePath(rootPath);
  const root = manifestAt(rootFile);
  if (!root) throw new ConfigError('no such manifest among the repository files', { file: rootFile });
  const rootDir = dirOf(rootFile);
  const manifestDirs = [...texts.keys()].filter((p) => p === 'Cargo.toml' || p.endsWith('/Cargo.toml')).map(dirOf);
  const within = (dir: string) => rootDir === '' || dir === rootDir || dir.startsWith(`${rootDir}/`);
  const relToRoot = (dir: string) => (rootDir === '' ? dir : dir === rootDir ? '' : dir.slice(rootDir.length + 1));

  const ws = root.workspace;
  const excluded = (ws?.exclude ?? []).map(normalizePath);
  const isExcluded = (rel: string) => excluded.some((ex) => rel === ex || rel.startsWith(`${ex}/`));
  const memberDirs: string[] = [];
  const missing: string[] = [];
  const nested: string[] = [];
  const add = (dir: string): void => {
    if (memberDirs.includes(dir) || nested.includes(`${dir === '' ? '' : `${dir}/`}Cargo.toml`)) return;
    const manifest = manifestAt(dir === '' ? 'Cargo.toml' : `${dir}/Cargo.toml`)!;
    if (dir !== rootDir && manifest.workspace !== null) {
      nested.push(manifest.path);
      return;
    }
    memberDirs.push(dir);
  };
  if (root.package !== null) add(rootDir);
  for (const pattern of ws?.members ?? []) {
    if (GLOB_CHARS.test(pattern)) {
      const re = globToRegExp(pattern);
      for (const dir of manifestDirs.filter(within).sort()) {
        const rel = relToRoot(dir);
        if (rel !== '' && re.test(rel) && !isExcluded(rel)) add(dir);
      }
    } else {
      const dir = joinPath(rootDir, pattern);
      if (manifestDirs.includes(dir)) add(dir);
      else missing.push(normalizePath(pattern));
    }
  }
  if (ws !== null) {
    // Path dependencies inside the root folder are members too; follow them to a fixed point.
    for (let i = 0; i < memberDirs.length; i++) {
      const dir = memberDirs[i]!;
      const manifest = manifestAt(dir === '' ? 'Cargo.toml' : `${dir}/Cargo.toml`)!;
      for (const dep of manifest.dependencies) {
        if (dep.path === null || dep.workspace) continue;
        const target = joinPath(dir, dep.path);
        if (within(target) && manifestDirs.includes(target) && !isExcluded(relToRoot(target))) add(target);
      }
    }
  }
  for (const dir of manifestDirs) {
    const manifest = manifestAt(dir === '' ? 'Cargo.toml' : `${dir}/Cargo.toml`)!;
    if (dir !== rootDir && within(dir) && manifest.workspace !== null && !nested.includes(manifest.path)) nested.push(manifest.path);
  }

  const members: WorkspaceMember[] = memberDirs.map((dir) => {
    const manifest = manifestAt(dir === '' ? 'Cargo.toml' : `${dir}/Cargo.toml`)!;
    return { dir, manifest, name: memberName(dir, manifest) };
  });
  const table = new Map((ws?.dependencies ?? []).map((d) => [d.key, d]));
  const dependencies = members.flatMap((member) =>
    member.manifest.dependencies.map((declared) => resolveDependency(member, declared, declared.workspace ? table.get(declared.key) : null, rootDir)),
  );
  return { root, rootDir, members, missing, nested: nested.sort(), dependencies };
}

function resolveDependency(member: WorkspaceMember, declared: ManifestDependency, inherited: ManifestDependency | null | undefined, rootDir: string): ResolvedDependency {
  if (inherited === undefined) {
    throw new ConfigError(`\`${declared.key}\` inherits from the workspace (\`workspace = true\`) but \`[workspace.dependencies]\` has no \`${declared.key}\`: add it there`, {
      file: member.manifest.path,
      line: declared.line,
      field: `${declared.table}.${declared.key}`,
    });
  }
  if (inherited === null) {
    return {
      member,
      declared,
      inherited: null,
      name: declared.name,
      version: declared.version,
      path: declared.path === null ? null : joinPath(member.dir, declared.path),
      git: declared.git,
      registry: declared.registry,
      features: declared.features,
      defaultFeatures: declared.defaultFeatures ?? true,
      optional: declared.optional,
    };
  }
  // Cargo: features add to the workspace's; `default-features` counts only when the
  // workspace turns them off (a member may turn them back on); `optional` is the member's.
  const features = [...inherited.features, ...declared.features.filter((f) => !inherited.features.includes(f))];
  const defaultFeatures = inherited.defaultFeatures === false ? declared.defaultFeatures === true : true;
  return {
    member,
    declared,
    inherited,
    name: inherited.name,
    version: inherited.version,
    path: inherited.path === null ? null : joinPath(rootDir, inherited.path),
    git: inherited.git,
    registry: inherited.registry,
    features,
    defaultFeatures,
    optional: declared.optional,
  };
}
