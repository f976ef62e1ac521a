// Crates locked at more than one version (what `cargo tree -d` shows), with who depends on each.
import { compareVersions } from './advisory-ranges.ts';
import type { PathStep } from './dependency-paths.ts';
import type { Lockfile } from './lockfile.ts';

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

/** Every crate name with two or more locked packages, versions in ascending order. */
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
      .sort((a, b) => compareVersions(a.semver, b.semver))
      .map((pkg) => ({
        version: pkg.version,
        source: pkg.source?.raw ?? null,
        dependents: (dependents.get(pkg.index) ?? []).map(step).sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version)),
      }));
    duplicates.push({ name, versions });
  }
  return duplicates.sort((a, b) => a.name.localeCompare(b.name));
}
