// Dev and build scoping: whether a locked package ships (normal), only feeds build scripts
// (build) or only builds tests, examples and benches (dev), and which members pull it in.
// Cargo.lock does not record dependency kinds: only the members' manifests do, so the kind
// is taken from the member's edge and kept for the whole subtree below it.
import type { DependencyKind } from './cargo-manifest.ts';
import { admits } from './cargo-req-range.ts';
import type { LockedPackage, Lockfile } from './lockfile.ts';
import type { ResolvedDependency, Workspace } from './workspace-members.ts';

export type DependencyScope = DependencyKind;

/** Strongest first: a package reachable in several ways takes the first of these. */
export const SCOPES = ['normal', 'build', 'dev'] as const satisfies readonly DependencyScope[];

export interface MemberReach {
  member: string;
  /** The strongest scope this member reaches the package through. */
  scope: DependencyScope;
}

export interface PackageScope {
  /** The strongest scope over every member: normal > build > dev. */
  scope: DependencyScope;
  /** The members that reach it through that scope, sorted. */
  members: string[];
  /** Every member that reaches it, with the strongest scope it does so through, sorted by member. */
  reachedBy: MemberReach[];
  /**
   * null: some path at its scope holds on every platform. Otherwise the `[target.…]` keys
   * (`cfg(windows)`, a triple) that every such path goes through: the package is needed
   * only there (`["cfg(windows)"]` reads "windows only").
   */
  targets: string[] | null;
}

/** The key of `scopeOf`'s map: `"name version"`. */
export function scopeKey(name: string, version: string): string {
  return `${name} ${version}`;
}

const rank = (scope: DependencyScope): number => SCOPES.indexOf(scope);
const weaker = (a: DependencyScope, b: DependencyScope): DependencyScope => (rank(a) >= rank(b) ? a : b);

/** Conditions along a path: both targets must hold. */
function bothTargets(a: string | null, b: string | null): string | null {
  if (a === null || a === b) return b;
  if (b === null) return a;
  return `${a} and ${b}`;
}

/** An edge out of a member: the kinds and targets its manifest declares for the dependency. */
interface EdgeKind {
  kind: DependencyScope;
  target: string | null;
}

/** Does a member's dependency entry name this locked package (name, kind of source, requirement)? */
function declares(dep: ResolvedDependency, pkg: LockedPackage): boolean {
  if (dep.name !== pkg.name) return false;
  if (dep.path !== null) return pkg.source === undefined;
  if (dep.git !== null) return pkg.source?.kind === 'git';
  if (pkg.source === undefined || pkg.source.kind === 'git') return false;
  return dep.version === null || admits(dep.version, pkg.semver);
}

/**
 * How a member's edge to `pkg` is declared: every entry that names it (normal with
 * features and dev both count), else every entry of that name, else normal on every
 * platform (a manifest that was not read must not make a package look dev-only).
 */
function edgeKinds(deps: readonly ResolvedDependency[], pkg: LockedPackage): EdgeKind[] {
  let named = deps.filter((d) => declares(d, pkg));
  if (named.length === 0) named = deps.filter((d) => d.name === pkg.name);
  if (named.length === 0) return [{ kind: 'normal', target: null }];
  return named.map((d) => ({ kind: d.declared.kind, target: d.declared.target }));
}

interface MemberNode {
  name: string;
  /** The member's dependency entries; null for a path root no manifest describes. */
  deps: ResolvedDependency[] | null;
}

/** The lockfile's workspace members (by package index): matched by name (and version when written), plus unmatched path roots. */
function membersIn(lockfile: Lockfile, workspace: Workspace): Map<number, MemberNode> {
  const nodes = new Map<number, MemberNode>();
  const sourceless = lockfile.packages.filter((p) => p.source === undefined);
  for (const member of workspace.members) {
    const name = member.manifest.package?.name;
    if (!name) continue;
    const same = sourceless.filter((p) => p.name === name && !nodes.has(p.index));
    const pkg = same.find((p) => p.version === member.manifest.package?.version) ?? same[0];
    if (pkg) nodes.set(pkg.index, { name: member.name, deps: workspace.dependencies.filter((d) => d.member === member) });
  }
  // A path package nothing depends on is a member whose manifest was not given: every edge normal.
  const depended = new Set(lockfile.packages.flatMap((p) => p.dependencies));
  for (const pkg of sourceless) {
    if (!nodes.has(pkg.index) && !depended.has(pkg.index)) nodes.set(pkg.index, { name: pkg.name, deps: null });
  }
  return nodes;
}

interface Reached {
  scope: DependencyScope;
  target: string | null;
}

/**
 * The scope of every package reachable from the workspace's members, keyed `"name version"`
 * (see `scopeKey`). Rules: a member's edge has the kind its manifest declares (the strongest
 * when it declares the dependency several times); edges below it keep that kind (a dev
 * dependency's dependencies are dev too); through another member, its dev-dependencies are
 * not followed (Cargo builds those only for the member itself) and its build-dependencies
 * make the path build. A path's scope is its weakest edge; a package's, its strongest path.
 * Members are normal. A package listed under two sources with one name and version gets the
 * stronger scope of the two. Entries are in the lockfile's order.
 *
 * @example scopeOf(lock, ws).get('proptest 1.4.0') // { scope: 'dev', members: ['core'], … }
 */
export function scopeOf(lockfile: Lockfile, workspace: Workspace): Map<string, PackageScope> {
  const members = membersIn(lockfile, workspace);
  // Per package index: per member name: the states it was reached in.
  const reached = new Map<number, Map<string, Reached[]>>();
  for (const [rootIndex, root] of members) {
    const seen = new Set<string>();
    const queue: { at: number; scope: DependencyScope; target: string | null }[] = [{ at: rootIndex, scope: 'normal', target: null }];
    for (let i = 0; i < queue.length; i++) {
      const state = queue[i]!;
      const id = `${state.at}|${state.scope}|${state.target ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const byMember = reached.get(state.at) ?? new Map<string, Reached[]>();
      reached.set(state.at, byMember);
      byMember.set(root.name, [...(byMember.get(root.name) ?? []), { scope: state.scope, target: state.target }]);
      const pkg = lockfile.packages[state.at]!;
      const node = members.get(state.at);
      for (const next of pkg.dependencies) {
        const to = lockfile.packages[next]!;
        const kinds = node?.deps ? edgeKinds(node.deps, to) : [{ kind: 'normal' as const, target: null }];
        for (const edge of kinds) {
          if (edge.kind === 'dev' && state.at !== rootIndex) continue;
          queue.push({ at: next, scope: weaker(state.scope, edge.kind), target: bothTargets(state.target, edge.target) });
        }
      }
    }
  }

  const scopes = new Map<string, PackageScope>();
  for (const pkg of lockfile.packages) {
    const byMember = reached.get(pkg.index);
    if (!byMember) continue;
    const reachedBy = [...byMember]
      .map(([member, states]) => ({ member, scope: SCOPES.find((s) => states.some((r) => r.scope === s))! }))
      .sort((a, b) => a.member.localeCompare(b.member));
    const scope = SCOPES.find((s) => reachedBy.some((r) => r.scope === s))!;
    const atScope = [...byMember.values()].flat().filter((r) => r.scope === scope);
    const targets = atScope.some((r) => r.target === null) ? null : [...new Set(atScope.map((r) => r.target!))].sort();
    const entry: PackageScope = { scope, members: reachedBy.filter((r) => r.scope === scope).map((r) => r.member), reachedBy, targets };
    const key = scopeKey(pkg.name, pkg.version);
    const other = scopes.get(key);
    scopes.set(key, other && rank(other.scope) < rank(scope) ? other : entry);
  }
  return scopes;
}

/** A finding's scope as the result would carry it; null when the package's scope is not known. */
export interface FindingScope {
  scope: DependencyScope;
  members: string[];
  targets: string[] | null;
}

/**
 * The findings with their scope added (`scope: null` when the map does not know the package,
 * e.g. no manifest was read).
 *
 * @example withScopes(result.findings, scopeOf(lock, ws))[0].scope // { scope: 'dev', members: ['cli'], targets: null }
 */
export function withScopes<T extends { package: { name: string; version: string } }>(findings: readonly T[], scopes: ReadonlyMap<string, PackageScope>): (T & { scope: FindingScope | null })[] {
  return findings.map((finding) => {
    const found = scopes.get(scopeKey(finding.package.name, finding.package.version));
    return { ...finding, scope: found ? { scope: found.scope, members: found.members, targets: found.targets } : null };
  });
}

/** Which scopes alert: `[alerts] include_dev = false` leaves dev-only findings out. */
export interface ScopeAlertSettings {
  includeDev: boolean;
}

/**
 * Whether a finding of this scope may alert. A finding whose scope is unknown (null or
 * absent) alerts: leaving it out could hide a shipped vulnerability.
 */
export function alertableByScope(scope: FindingScope | DependencyScope | null | undefined, settings: ScopeAlertSettings): boolean {
  const kind = typeof scope === 'string' ? scope : scope?.scope;
  return kind !== 'dev' || settings.includeDev;
}
