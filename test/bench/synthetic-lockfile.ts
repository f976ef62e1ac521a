// Generates large Cargo.lock files in the real v4 format for the benchmarks: real crate
// names and versions (so real advisories match), derived names to fill up, duplicate
// versions, and a dependency graph with depth, all from a seeded generator.
import { createHash } from 'node:crypto';
import semver from 'semver';

const REGISTRY = 'registry+https://github.com/rust-lang/crates.io-index';
const SUFFIXES = ['core', 'macros', 'derive', 'sys', 'impl', 'shared', 'utils', 'types', 'proto', 'codec', 'runtime', 'internal'];

export interface CrateVersion {
  name: string;
  version: string;
}

interface Node extends CrateVersion {
  path: boolean;
  dependencies: Set<number>;
}

/** Cargo sorts packages by name as plain strings (byte order), then by version. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** mulberry32: a small seeded generator, so every run benchmarks the same lockfile. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Registry packages (name and version, deduplicated) of real lockfile texts. */
export function registryPackagesOf(texts: readonly string[]): CrateVersion[] {
  const seen = new Map<string, CrateVersion>();
  for (const text of texts) {
    for (const block of text.split('[[package]]').slice(1)) {
      const name = /^name = "([^"]+)"/m.exec(block)?.[1];
      const version = /^version = "([^"]+)"/m.exec(block)?.[1];
      if (name && version && block.includes(`source = "${REGISTRY}"`)) seen.set(`${name}@${version}`, { name, version });
    }
  }
  return [...seen.values()].sort((a, b) => byName(a.name, b.name) || semver.compare(a.version, b.version));
}

/**
 * A v4 Cargo.lock of `size` packages: 3 workspace members (path packages, the roots),
 * 12% real crates.io packages from `pool`, the rest derived names (`<real>-<suffix>`),
 * some locked at two versions. Every package is reachable:
 * a 4-ary tree gives the graph its depth, extra edges to later packages make it a DAG.
 */
export function syntheticLockfile(size: number, pool: readonly CrateVersion[], seed = 1): string {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const shuffle = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  };
  const taken = new Set<string>();
  const nodes: Node[] = [];
  const add = (name: string, version: string, path = false): boolean => {
    if (taken.has(`${name}@${version}`)) return false;
    taken.add(`${name}@${version}`);
    nodes.push({ name, version, path, dependencies: new Set() });
    return true;
  };
  for (const member of ['app', 'app-core', 'app-cli']) add(`synthetic-${member}`, '0.1.0', true);

  // Real crates, one version each, so their advisories match; then derived names, each
  // new, with about 8% locked at a second, older version too (what `cargo tree -d` shows).
  const names = new Set<string>();
  const realCount = Math.round(size * 0.12);
  for (const pkg of shuffle(pool)) {
    if (nodes.length >= 3 + realCount) break;
    if (!names.has(pkg.name) && add(pkg.name, pkg.version)) names.add(pkg.name);
  }
  const realNames = new Set(pool.map((p) => p.name));
  while (nodes.length < size) {
    // One suffix while those last (689 real names × 12), then two: `<real>-<suffix>-<suffix>`.
    let name = `${pick(pool).name}-${pick(SUFFIXES)}`;
    if (names.has(name)) name += `-${pick(SUFFIXES)}`;
    if (realNames.has(name) || names.has(name)) continue;
    names.add(name);
    add(name, `${next() < 0.7 ? 0 : 1 + Math.floor(next() * 3)}.${1 + Math.floor(next() * 30)}.${Math.floor(next() * 20)}`);
    if (nodes.length < size && next() < 0.08) add(name, `0.0.${Math.floor(next() * 10)}`);
  }

  // Shuffle the registry packages so real and derived ones mix at every depth.
  const members = nodes.slice(0, 3);
  const rest = shuffle(nodes.slice(3));
  const ordered = [...members, ...rest];
  for (let j = 1; j < ordered.length; j++) ordered[Math.floor((j - 1) / 4)]!.dependencies.add(j);
  for (let i = 3; i < ordered.length - 1; i++) {
    const extra = Math.floor(next() * 4);
    for (let k = 0; k < extra; k++) ordered[i]!.dependencies.add(i + 1 + Math.floor(next() * (ordered.length - i - 1)));
  }
  return renderV4(ordered);
}

function renderV4(nodes: readonly Node[]): string {
  const versionsOf = new Map<string, number>();
  for (const n of nodes) versionsOf.set(n.name, (versionsOf.get(n.name) ?? 0) + 1);
  const order = nodes.map((_, i) => i).sort((a, b) => byName(nodes[a]!.name, nodes[b]!.name) || semver.compare(nodes[a]!.version, nodes[b]!.version));
  const out = ['# This file is automatically @generated by Cargo.', '# It is not intended for manual editing.', 'version = 4', ''];
  for (const i of order) {
    const n = nodes[i]!;
    out.push('[[package]]', `name = "${n.name}"`, `version = "${n.version}"`);
    if (!n.path) {
      out.push(`source = "${REGISTRY}"`, `checksum = "${createHash('sha256').update(`${n.name}@${n.version}`).digest('hex')}"`);
    }
    const deps = [...n.dependencies]
      .map((d) => nodes[d]!)
      .sort((a, b) => byName(a.name, b.name) || semver.compare(a.version, b.version))
      .map((d) => (versionsOf.get(d.name)! > 1 ? `${d.name} ${d.version}` : d.name));
    if (deps.length > 0) out.push('dependencies = [', ...deps.map((d) => ` "${d}",`), ']');
    out.push('');
  }
  return out.join('\n');
}
