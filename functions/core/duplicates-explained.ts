// Duplicated crates explained, as the "get rid of the duplicate versions" runbook needs them:
// who pins each version (a member's Cargo.toml line, or the crates depending on it), whether
// `cargo update` alone unifies them or which dependent has to move and to which release, and
// how many packages leave the lockfile once they are unified.
import semver from 'semver';
import { compareVersions } from './advisory-ranges.ts';
import { admits, caretOnMinor } from './cargo-req-range.ts';
import type { LockedPackage, Lockfile } from './lockfile.ts';
import type { ExplainedDuplicate, Pin, PinWay, Relation, UnifyStep, Way } from './result.ts';
import type { DependencyLookup, IndexReleaseDeps } from './ports.ts';
import type { ResolvedDependency, Workspace } from './workspace-members.ts';

/**
 * What the index says about `crate`'s requirements on `on` (`IndexDependencySource`), or
 * undefined when it was not asked.
 */
export type DependencyIndex = (crate: string, on: string) => DependencyLookup | undefined;

// The explanation's types are the result document's (result.ts): what is computed here is stored as it is.
export type { Pin, Way, PinWay, Relation, UnifyStep, ExplainedVersion, ExplainedDuplicate } from './result.ts';

/** A crate whose index file tells how to unify a duplicate: ask `IndexDependencySource` for these. */
export interface IndexQuery {
  crate: string;
  on: string;
}

const SOURCE_RANK = (p: LockedPackage) => (!p.source ? 0 : p.source.kind === 'git' ? 3 : p.source.raw.startsWith('sparse+') ? 2 : 1);

function comparePackages(a: LockedPackage, b: LockedPackage): number {
  return compareVersions(a.semver, b.semver) || SOURCE_RANK(a) - SOURCE_RANK(b) || (a.source?.raw ?? '').localeCompare(b.source?.raw ?? '');
}

/** Names locked as two or more packages, each list in `comparePackages` order. */
function duplicateGroups(lockfile: Lockfile): [string, LockedPackage[]][] {
  const byName = new Map<string, LockedPackage[]>();
  for (const pkg of lockfile.packages) {
    const list = byName.get(pkg.name);
    if (list) list.push(pkg);
    else byName.set(pkg.name, [pkg]);
  }
  return [...byName].filter(([, list]) => list.length > 1).map(([name, list]) => [name, list.sort(comparePackages)]);
}

function dependentsOf(lockfile: Lockfile): number[][] {
  const dependents: number[][] = lockfile.packages.map(() => []);
  for (const pkg of lockfile.packages) for (const dep of pkg.dependencies) dependents[dep]!.push(pkg.index);
  return dependents;
}

/** The Cargo compatibility line: `1` for 1.x.y, `0.4` for 0.4.z, `0.0.3` for 0.0.3. */
function compatLine(v: semver.SemVer): string {
  if (v.major > 0) return `${v.major}`;
  if (v.minor > 0) return `0.${v.minor}`;
  return `0.0.${v.patch}`;
}

/** The source without a git commit: two packages from one repository and reference share it. */
function sourceKey(pkg: LockedPackage): string {
  return pkg.source ? pkg.source.raw.split('#')[0]! : 'path';
}

function safeAdmits(requirement: string, version: string): boolean {
  try {
    return admits(requirement, version);
  } catch {
    return false;
  }
}

/**
 * The crates.io crates whose index files `explainDuplicates` reads: the dependents of every
 * duplicated version other than the target, each with the duplicated crate.
 */
export function duplicateIndexQueries(lockfile: Lockfile): IndexQuery[] {
  const dependents = dependentsOf(lockfile);
  const seen = new Set<string>();
  const queries: IndexQuery[] = [];
  for (const [name, packages] of duplicateGroups(lockfile)) {
    for (const pkg of packages.slice(0, -1)) {
      for (const d of dependents[pkg.index]!) {
        const dependent = lockfile.packages[d]!;
        if (dependent.source?.kind !== 'crates-io' || seen.has(`${dependent.name} ${name}`)) continue;
        seen.add(`${dependent.name} ${name}`);
        queries.push({ crate: dependent.name, on: name });
      }
    }
  }
  return queries;
}

/** Non-dev entries: dev-dependencies of a dependency never reach the lockfile. */
function usedDeps(release: IndexReleaseDeps | undefined): IndexReleaseDeps['deps'] {
  return release ? release.deps.filter((d) => d.kind !== 'dev') : [];
}

/** Packages reachable from the roots, an edge into a `redirect` key going to its value instead. */
function reachable(lockfile: Lockfile, seeds: readonly number[], redirect: ReadonlyMap<number, number>): Uint8Array {
  const seen = new Uint8Array(lockfile.packages.length);
  const stack: number[] = [];
  const visit = (i: number) => {
    const to = redirect.get(i) ?? i;
    if (seen[to] === 0) {
      seen[to] = 1;
      stack.push(to);
    }
  };
  for (const s of seeds) visit(s);
  while (stack.length > 0) for (const dep of lockfile.packages[stack.pop()!]!.dependencies) visit(dep);
  return seen;
}

class Explainer {
  private readonly lockfile: Lockfile;
  private readonly workspace: Workspace | null;
  private readonly index: DependencyIndex | undefined;
  private readonly dependents: number[][];
  private readonly seeds: number[];
  private readonly before: Uint8Array;

  constructor(lockfile: Lockfile, workspace: Workspace | null, index: DependencyIndex | undefined) {
    this.lockfile = lockfile;
    this.workspace = workspace;
    this.index = index;
    this.dependents = dependentsOf(lockfile);
    // Without path packages (a lockfile cut down by hand) start from what nothing depends on.
    this.seeds = lockfile.roots.length > 0 ? lockfile.roots : lockfile.packages.filter((p) => this.dependents[p.index]!.length === 0).map((p) => p.index);
    this.before = reachable(lockfile, this.seeds, new Map());
  }

  /** Packages that leave when `old` are unified into `target`. */
  gone(old: readonly LockedPackage[], target: LockedPackage): number[] {
    const after = reachable(this.lockfile, this.seeds, new Map(old.map((p) => [p.index, target.index])));
    const out: number[] = [];
    this.before.forEach((was, i) => was === 1 && after[i] === 0 && out.push(i));
    return out;
  }

  private memberEntries(member: string, name: string, pkg: LockedPackage): ResolvedDependency[] {
    const entries = this.workspace?.dependencies.filter((d) => d.member.name === member && d.name === name) ?? [];
    return entries.filter((d) => {
      if (!pkg.source) return d.path !== null;
      if (pkg.source.kind === 'git') return d.git !== null;
      return d.path === null && d.git === null && (d.version === null || safeAdmits(d.version, pkg.version));
    });
  }

  private releasesOf(dependent: LockedPackage, name: string): DependencyLookup | undefined {
    if (dependent.source?.kind !== 'crates-io') return undefined;
    return this.index?.(dependent.name, name);
  }

  pinsOf(name: string, pkg: LockedPackage): Pin[] {
    const pins: Pin[] = [];
    const dependents = [...new Set(this.dependents[pkg.index])].map((i) => this.lockfile.packages[i]!);
    dependents.sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.semver, b.semver));
    for (const dependent of dependents) {
      if (!dependent.source) {
        const entries = this.memberEntries(dependent.name, name, pkg);
        if (entries.length === 0) {
          pins.push({ kind: 'member', member: dependent.name, file: null, line: null, requirement: null, dependencyKind: null, target: null, inheritedFrom: null });
        }
        for (const d of entries) {
          pins.push({
            kind: 'member',
            member: dependent.name,
            file: d.member.manifest.path,
            line: d.declared.line,
            requirement: d.version,
            dependencyKind: d.declared.kind,
            target: d.declared.target,
            inheritedFrom: d.inherited && this.workspace ? { file: this.workspace.root.path, line: d.inherited.line } : null,
          });
        }
        continue;
      }
      const lookup = this.releasesOf(dependent, name);
      let requirement: string | null = null;
      if (lookup?.kind === 'found') {
        const entries = usedDeps(lookup.releases.find((r) => r.version === dependent.version));
        requirement = (entries.find((d) => safeAdmits(d.req, pkg.version)) ?? entries[0])?.req ?? null;
      }
      pins.push({ kind: 'crate', name: dependent.name, version: dependent.version, source: dependent.source.raw, requirement });
    }
    return pins;
  }

  /** What `pin` (of an older version) needs so that `name` unifies into `target`. */
  wayOf(name: string, pin: Pin, relation: Relation, old: LockedPackage, target: LockedPackage): Way {
    if (relation === 'other-source') {
      const from = (p: LockedPackage) => p.source?.raw.split('#')[0] ?? 'a path';
      return { kind: 'unknown', reason: `${name} ${old.version} comes from ${from(old)} and ${target.version} from ${from(target)}: point every dependency at one source (or use [patch])` };
    }
    if (pin.requirement !== null && safeAdmits(pin.requirement, target.version)) return { kind: 'admits' };
    if (pin.kind === 'member') {
      if (pin.file === null || pin.line === null) return { kind: 'unknown', reason: `the Cargo.toml of ${pin.member} was not read` };
      if (pin.requirement === null) return { kind: 'unknown', reason: `${pin.member} takes ${name} from a path or git dependency` };
      const at = pin.inheritedFrom ?? { file: pin.file, line: pin.line };
      return { kind: 'edit', file: at.file, line: at.line, suggested: caretOnMinor(target.semver) };
    }
    const dependent = this.lockfile.packages.find((p) => p.name === pin.name && p.version === pin.version && p.source?.raw === pin.source)!;
    if (dependent.source?.kind !== 'crates-io') return { kind: 'unknown', reason: `${pin.name} does not come from crates.io, whose index is read` };
    return releaseAllowing(dependent, target.version, this.releasesOf(dependent, name));
  }
}

/**
 * The smallest release of `dependent` above its locked version whose requirements (dev ones
 * aside) all admit `target`, or that no longer depends on the crate, from what the index
 * says of its releases (`lookup`; undefined: not asked). Shared by duplicates (which release
 * lets the versions unify) and fixes (which release of a blocking crate lets the fix in).
 */
export function releaseAllowing(dependent: { name: string; version: string }, target: string, lookup: DependencyLookup | undefined): Way {
  if (lookup === undefined) return { kind: 'unknown', reason: 'index not asked' };
  if (lookup.kind === 'gone') return { kind: 'unknown', reason: `${dependent.name} is not in the index (HTTP ${lookup.status})` };
  if (lookup.kind === 'failed') return { kind: 'unknown', reason: `the index could not be read: ${lookup.message}` };
  const releases = lookup.releases
    .filter((r) => !r.yanked && semver.valid(r.version) !== null && semver.prerelease(r.version) === null)
    .sort((a, b) => semver.compare(a.version, b.version));
  const locked = new semver.SemVer(dependent.version);
  for (const release of releases) {
    if (!semver.gt(release.version, locked)) continue;
    const entries = usedDeps(release);
    if (entries.every((d) => safeAdmits(d.req, target))) {
      return { kind: 'release', version: release.version, requirement: entries[0]?.req ?? null, compatible: compatLine(new semver.SemVer(release.version)) === compatLine(locked) };
    }
  }
  return { kind: 'no-release', newest: releases.at(-1)?.version ?? null };
}

function statusOf(ways: readonly Way[]): UnifyStep['status'] {
  if (ways.some((w) => w.kind !== 'admits' && w.kind !== 'unknown')) return 'blocked';
  if (ways.some((w) => w.kind === 'unknown')) return 'unknown';
  return 'ready';
}

/**
 * Every crate locked at more than one version, explained and ranked: most packages to
 * lose first, then by name. `workspace` gives members' lines and requirements (null when
 * the manifests are not known); `index` the requirements of the crates depending on the
 * older versions (`duplicateIndexQueries` lists what to ask). Cargo's resolver never
 * picks two semver-compatible versions from one source itself, so such a pair means a
 * lockfile that was merged or edited: `cargo update -p NAME@OLD` resolves it again.
 *
 * @example explainDuplicates(lockfile, null)[0].steps[0].command // 'cargo update -p syn@2.0.10'
 */
export function explainDuplicates(lockfile: Lockfile, workspace: Workspace | null, index?: DependencyIndex): ExplainedDuplicate[] {
  const explainer = new Explainer(lockfile, workspace, index);
  const explained: ExplainedDuplicate[] = [];
  for (const [name, packages] of duplicateGroups(lockfile)) {
    const target = packages.at(-1)!;
    const older = packages.slice(0, -1);
    const versions = packages.map((pkg) => ({ version: pkg.version, source: pkg.source?.raw ?? null, pinnedBy: explainer.pinsOf(name, pkg) }));
    const steps = older.map((pkg, i): UnifyStep => {
      const relation: Relation =
        sourceKey(pkg) !== sourceKey(target) ? 'other-source' : compatLine(pkg.semver) === compatLine(target.semver) ? 'semver-compatible' : 'semver-incompatible';
      const pins = versions[i]!.pinnedBy.map((pin) => ({ pin, way: explainer.wayOf(name, pin, relation, pkg, target) }));
      const status = relation === 'other-source' ? 'blocked' : statusOf(pins.map((p) => p.way));
      let command: string | null = null;
      if (relation === 'semver-compatible') command = `cargo update -p ${name}@${pkg.version}`;
      else if (relation === 'semver-incompatible' && status === 'ready') command = `cargo update -p ${name}@${pkg.version} --precise ${target.version}`;
      return { version: pkg.version, source: pkg.source?.raw ?? null, relation, status, command, pins, disappear: explainer.gone([pkg], target).length };
    });
    const gone = explainer
      .gone(older, target)
      .map((i) => lockfile.packages[i]!)
      .sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.semver, b.semver));
    explained.push({
      name,
      target: { version: target.version, source: target.source?.raw ?? null },
      versions,
      steps,
      disappear: gone.length,
      disappearing: gone.map((p) => ({ name: p.name, version: p.version })),
    });
  }
  return explained.sort((a, b) => b.disappear - a.disappear || a.name.localeCompare(b.name));
}

/** A line range's label: `1.x` for 1.4.0, `0.4.x` for 0.4.7. */
function lineLabel(version: string): string {
  const v = semver.parse(version);
  return v === null ? version : `${compatLine(v)}.x`;
}

/**
 * One sentence on a pin of an older version, for tables and reports:
 * "tower-http 0.4.4 requires http ^0.2; tower-http 0.5.0 allows http 1.x".
 */
export function describePin(name: string, target: string, { pin, way }: PinWay): string {
  const who = pin.kind === 'member' ? `${pin.member}${pin.file !== null && pin.line !== null ? ` (${pin.file}:${pin.line})` : ''}` : `${pin.name} ${pin.version}`;
  const requirement = pin.kind === 'member' ? JSON.stringify(pin.requirement) : pin.requirement;
  const holds = pin.requirement !== null ? `${who} requires ${name} ${requirement}` : `${who} depends on ${name}`;
  switch (way.kind) {
    case 'admits':
      return `${holds}, which admits ${target}`;
    case 'edit':
      return `${holds}; change it to "${way.suggested}" at ${way.file}:${way.line}`;
    case 'release': {
      const allows = way.requirement === null ? `no longer depends on ${name}` : `allows ${name} ${lineLabel(target)}`;
      return `${holds}; ${pin.kind === 'crate' ? pin.name : who} ${way.version} ${allows}`;
    }
    case 'no-release':
      return `${holds}; no release of ${pin.kind === 'crate' ? pin.name : who} allows ${name} ${lineLabel(target)} yet${way.newest ? ` (newest: ${way.newest})` : ''}`;
    case 'unknown':
      return `${holds}; the way to ${name} ${target} is not known (${way.reason})`;
  }
}
