// Pinning findings of a workspace: the requirements a "pin the workspace dependencies"
// runbook would change, each with its file, line and the edit that fixes it.
import type semver from 'semver';
import type { GitSpec, ManifestDependency } from './cargo-manifest.ts';
import { caretOnMinor, cargoReqRange, isUnbounded, lowerBound, admits } from './cargo-req-range.ts';
import type { LockedPackage, Lockfile } from './lockfile.ts';
import { joinPath, type ResolvedDependency, type Workspace } from './workspace-members.ts';

export const PINNING_KINDS = [
  'unbounded-requirement',
  'git-without-rev',
  'inconsistent-requirements',
  'not-inherited',
  'unused-workspace-dependency',
  'stale-lower-bound',
] as const;
export type PinningKind = (typeof PINNING_KINDS)[number];

export interface PinningFinding {
  kind: PinningKind;
  /** The manifest, repository-relative. */
  file: string;
  line: number;
  /** The package name (`package = …` when renamed). */
  crate: string;
  /** The member's package name; null for `[workspace.dependencies]` and `[patch]` entries. */
  member: string | null;
  message: string;
  /** The edit that fixes it (`version = "1.2"`, `tokio = { workspace = true }`); null when it needs a person. */
  suggestion: string | null;
}

export interface PinningReport {
  findings: PinningFinding[];
  /** Checks that could not run, and why (no Cargo.lock, members missing from the files). */
  notChecked: string[];
}

function normalizeGitUrl(url: string): string {
  return url.toLowerCase().replace(/\/+$/, '').replace(/\.git$/, '');
}

/** What a dependency needs from the lockfile: its name, where it comes from, its requirement. */
export interface LockQuery {
  name: string;
  version: string | null;
  path: string | null;
  git: GitSpec | null;
}

/**
 * The locked package a dependency resolved to: same name and kind of source, the highest
 * version its requirement admits. Undefined when the lockfile has none.
 */
export function findLocked(lockfile: Lockfile, dep: LockQuery): LockedPackage | undefined {
  const candidates = lockfile.packages.filter((p) => {
    if (p.name !== dep.name) return false;
    if (dep.git !== null) return p.source?.kind === 'git' && normalizeGitUrl(p.source.url) === normalizeGitUrl(dep.git.url);
    if (dep.path !== null) return p.source === undefined;
    return p.source !== undefined && p.source.kind !== 'git';
  });
  const admitted = dep.version === null ? candidates : candidates.filter((p) => admits(dep.version!, p.semver));
  return admitted.sort((a, b) => b.semver.compare(a.semver))[0];
}

const lineOf = (v: semver.SemVer) => [v.major, v.minor, v.major === 0 && v.minor === 0 ? v.patch : 0];

/** True when the requirement's lowest admitted version is on an older minor (or major) than the locked one. */
export function isStale(requirement: string, locked: semver.SemVer): boolean {
  const low = lineOf(lowerBound(requirement));
  const at = lineOf(locked);
  for (let i = 0; i < 3; i++) if (low[i] !== at[i]) return low[i]! < at[i]!;
  return false;
}

/** A declaration that states its own requirement: a member's own entry or a workspace-table entry. */
interface Declaration {
  dep: ManifestDependency;
  file: string;
  member: string | null;
  /** Repository-relative path folder for path dependencies. */
  path: string | null;
}

function inheritSuggestion(key: string, declared: ManifestDependency, tableFeatures: readonly string[]): string {
  const extra: string[] = [];
  const own = declared.features.filter((f) => !tableFeatures.includes(f));
  if (own.length > 0) extra.push(`features = ${JSON.stringify(own).replaceAll(',', ', ')}`);
  if (declared.optional) extra.push('optional = true');
  return `${key} = { workspace = true${extra.map((e) => `, ${e}`).join('')} }`;
}

/**
 * The pinning findings of a workspace, sorted by file and line. Without a lockfile the
 * stale-lower-bound check is skipped; with members missing from the files, the
 * unused-entry check is (an entry may be used by a member that was not read).
 */
export function findPinningIssues(workspace: Workspace, lockfile: Lockfile | null): PinningReport {
  const findings: PinningFinding[] = [];
  const notChecked: string[] = [];
  const table = workspace.root.workspace?.dependencies ?? [];
  const rootFile = workspace.root.path;
  const own: Declaration[] = workspace.dependencies
    .filter((d) => d.inherited === null)
    .map((d) => ({ dep: d.declared, file: d.member.manifest.path, member: d.member.name, path: d.path }));
  const declarations: Declaration[] = [
    ...table.map((dep) => ({ dep, file: rootFile, member: null, path: dep.path === null ? null : joinPath(workspace.rootDir, dep.path) })),
    ...own,
  ];
  const patches: Declaration[] = workspace.root.patch.flatMap((p) => p.dependencies.map((dep) => ({ dep, file: rootFile, member: null, path: dep.path === null ? null : joinPath(workspace.rootDir, dep.path) })));
  const add = (kind: PinningKind, at: Declaration, message: string, suggestion: string | null) =>
    findings.push({ kind, file: at.file, line: at.dep.line, crate: at.dep.name, member: at.member, message, suggestion });
  const locked = (at: Declaration) => (lockfile ? findLocked(lockfile, { name: at.dep.name, version: at.dep.version, path: at.path, git: at.dep.git }) : undefined);

  for (const at of declarations) {
    const { dep } = at;
    if (dep.version === null) continue;
    const lock = locked(at);
    if (isUnbounded(dep.version)) {
      const to = lock ? caretOnMinor(lock.semver) : null;
      const message = `${dep.key} = "${dep.version}" has no upper bound: any future major release is allowed`;
      add('unbounded-requirement', at, to ? `${message}; Cargo.lock has ${lock!.version}, pin it to "${to}"` : `${message}; pin it to the release line you use`, to ? `version = "${to}"` : null);
    } else if (lock && isStale(dep.version, lock.semver)) {
      const to = caretOnMinor(lock.semver);
      add('stale-lower-bound', at, `${dep.key} = "${dep.version}" admits ${lowerBound(dep.version).version} but Cargo.lock has ${lock.version}: raise it to "${to}"`, `version = "${to}"`);
    }
  }
  if (lockfile === null) notChecked.push('stale-lower-bound: no Cargo.lock to compare the requirements with');

  for (const at of [...declarations, ...patches]) {
    const { git } = at.dep;
    if (git === null || git.rev !== undefined || git.tag !== undefined) continue;
    const lock = locked(at);
    const commit = lock?.source?.commit;
    const what = git.branch === undefined ? 'the default branch' : `branch "${git.branch}"`;
    add(
      'git-without-rev',
      at,
      `${at.dep.key} follows ${what} of ${git.url}: each \`cargo update\` may move it; pin a \`rev\`${commit ? ` (Cargo.lock has ${commit})` : ' or a `tag`'}`,
      commit ? `rev = "${commit}"` : null,
    );
  }

  // The same crate required differently: compare what each requirement admits, not its spelling.
  const byCrate = new Map<string, ResolvedDependency[]>();
  for (const d of workspace.dependencies) {
    if (d.version === null || d.path !== null || d.git !== null) continue;
    byCrate.set(d.name, [...(byCrate.get(d.name) ?? []), d]);
  }
  for (const [name, deps] of byCrate) {
    const ranges = new Map<string, ResolvedDependency[]>();
    for (const d of deps) {
      const range = cargoReqRange(d.version!).range;
      ranges.set(range, [...(ranges.get(range) ?? []), d]);
    }
    if (ranges.size < 2 || new Set(deps.map((d) => d.member.name)).size < 2) continue;
    const first = deps.find((d) => d.inherited === null) ?? deps[0]!;
    const spelled = [...ranges.values()].map((group) => {
      const req = group[0]!.version!;
      const who = [...new Set(group.map((d) => (d.inherited ? `${d.member.name} via the workspace` : d.member.name)))].join(', ');
      return `"${req}" (${who})`;
    });
    const lock = lockfile ? findLocked(lockfile, { name, version: first.version, path: null, git: null }) : undefined;
    findings.push({
      kind: 'inconsistent-requirements',
      file: first.member.manifest.path,
      line: first.declared.line,
      crate: name,
      member: first.member.name,
      message: `${name} is required differently by different members: ${spelled.join(', ')}; require it once in [workspace.dependencies]`,
      suggestion: lock ? `${first.declared.key} = "${caretOnMinor(lock.semver)}" in [workspace.dependencies], members \`workspace = true\`` : null,
    });
  }

  const tableByName = new Map(table.map((t) => [t.name, t]));
  for (const d of workspace.dependencies) {
    const entry = tableByName.get(d.name);
    if (d.inherited !== null || entry === undefined) continue;
    add(
      'not-inherited',
      { dep: d.declared, file: d.member.manifest.path, member: d.member.name, path: d.path },
      `${d.declared.key} is in [workspace.dependencies] (${rootFile}:${entry.line}) but ${d.member.name} declares its own${d.version ? ` "${d.version}"` : ''}: inherit it with \`workspace = true\``,
      inheritSuggestion(entry.key, d.declared, entry.features),
    );
  }

  if (workspace.missing.length > 0) {
    notChecked.push(`unused-workspace-dependency: ${workspace.missing.length} member(s) listed in ${rootFile} have no Cargo.toml among the files read (${workspace.missing.join(', ')})`);
  } else {
    const used = new Set(workspace.dependencies.filter((d) => d.inherited !== null).map((d) => d.inherited!.key));
    for (const entry of table) {
      if (used.has(entry.key)) continue;
      add('unused-workspace-dependency', { dep: entry, file: rootFile, member: null, path: null }, `${entry.key} is in [workspace.dependencies] but no member inherits it: remove it, or use it with \`workspace = true\``, null);
    }
  }

  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.kind.localeCompare(b.kind)));
  return { findings, notChecked };
}
