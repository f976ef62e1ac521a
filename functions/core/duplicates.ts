// Crates locked as more than one package (what `cargo tree -d` shows: other versions, or the
// same version from another source), with who depends on each.
import { compareVersions } from './advisory-ranges.ts';
import type { PathStep } from './dependency-paths.ts';
import type { LockedPackage, Lockfile } from './lockfile.ts';

export interface DuplicateVersion {
  version: string;
  /** The source string, null for path packages. */
  source: string | null;
  dependents: PathStep[];
}

export interface Duplicate {
  name: string;
  versions: DuplicateVersion[];
}

/** Cargo's order of sources (`SourceKind`): path, then registries, then git; then by the source string. */
function compareSources(a: LockedPackage, b: LockedPackage): number {
  const rank = (p: LockedPackage) => (!p.source ? 0 : p.source.kind === 'git' ? 3 : p.source.raw.startsWith('sparse+') ? 2 : 1);
  return rank(a) - rank(b) || (a.source?.raw ?? '').localeCompare(b.source?.raw ?? '');
}

/**
 * Every crate name locked as two or more packages (the same version from two sources counts),
 * versions in ascending order and, within one version, sources in Cargo's order.
 */
export function findDuplicates(lockfile: Lockfile): Duplicate[] {
  const byName = new Map<string, number[]>();
  for (const pkg of lockfile.packages) {
    const list = byName.get(pkg.name);
    if (list) list.push(pkg.index);
    else byName.set(pkg.name, [pkg.index]);
  }
  const dependents = new Map<number, number[]>();
  for (const pkg of lockfile.packages) {
    for (const dep of pkg.dependencies) {
      const list = dependents.get(dep);
      if (list) list.push(pkg.index);
      else dependents.set(dep, [pkg.index]);
    }
  }
  const step = (i: number): PathStep => ({ name: lockfile.packages[i]!.name, version: lockfile.packages[i]!.version });
  const duplicates: Duplicate[] = [];
  for (const [name, indices] of byName) {
    if (indices.length < 2) continue;
    const versions = indices
      .map((i) => lockfile.packages[i]!)
      .sort((a, b) => compareVersions(a.semver, b.semver) || compareSources(a, b))
      .map((pkg) => ({
        version: pkg.version,
        source: pkg.source?.raw ?? null,
        dependents: (dependents.get(pkg.index) ?? []).map(step).sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version)),
      }));
    duplicates.push({ name, versions });
  }
  return duplicates.sort((a, b) => a.name.localeCompare(b.name));
}
