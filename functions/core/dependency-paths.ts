// How a package is pulled in: the shortest dependency paths from the workspace members.
import type { Lockfile } from './lockfile.ts';

export interface PathStep {
  name: string;
  version: string;
}

/**
 * Shortest paths from the roots of one lockfile, computed once by a breadth-first
 * search from all roots and then walked back for each package asked about.
 */
export class DependencyPaths {
  private readonly lockfile: Lockfile;
  private readonly depth: Int32Array;
  private readonly parents: number[][];

  constructor(lockfile: Lockfile) {
    this.lockfile = lockfile;
    const count = lockfile.packages.length;
    this.depth = new Int32Array(count).fill(-1);
    this.parents = Array.from({ length: count }, () => []);
    let frontier = [...lockfile.roots];
    for (const root of frontier) this.depth[root] = 0;
    for (let level = 1; frontier.length > 0; level++) {
      const next: number[] = [];
      for (const from of frontier) {
        for (const to of lockfile.packages[from]!.dependencies) {
          if (this.depth[to] === -1) {
            this.depth[to] = level;
            next.push(to);
          }
          if (this.depth[to] === level) this.parents[to]!.push(from);
        }
      }
      frontier = next;
    }
  }

  /** Up to `limit` shortest paths from a root to package `index`, root first; [] if unreachable. */
  pathsTo(index: number, limit = 3): PathStep[][] {
    if (this.depth[index] === -1) return [];
    const results: number[][] = [];
    const walk = (at: number, suffix: number[]): void => {
      if (results.length >= limit) return;
      const path = [at, ...suffix];
      if (this.depth[at] === 0) {
        results.push(path);
        return;
      }
      for (const parent of this.parents[at]!) walk(parent, path);
    };
    walk(index, []);
    return results.map((path) => path.map((i) => ({ name: this.lockfile.packages[i]!.name, version: this.lockfile.packages[i]!.version })));
  }
}
