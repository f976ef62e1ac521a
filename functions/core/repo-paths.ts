// Which files of a repository tree cratewatch reads, the same for every repository source:
// Cargo.lock and Cargo.toml anywhere but in build output and vendored copies, the toolchain
// files (rust-toolchain, Dockerfiles, compose and Kubernetes files) likewise, and the
// repository's own cargo-audit / cargo-deny policy files at its root.
import { RepoFetchError } from './errors.ts';
import { classifyToolchainFile } from './toolchain-files.ts';

/** Folders whose Cargo files are build output or third-party copies, not the repository's own. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['target', 'vendor', 'node_modules', '.git']);

/** The repository-root files that hold cargo-audit and cargo-deny ignores. */
export const POLICY_FILES: readonly string[] = ['.cargo/audit.toml', 'deny.toml'];

/** True when a `/`-separated path lies inside a skipped folder at any depth. */
export function isInSkippedDir(path: string): boolean {
  return path.split('/').slice(0, -1).some((dir) => SKIPPED_DIRS.has(dir));
}

/** Shallowest paths first, then by path: the workspace root's Cargo.lock comes first. */
export function byDepthThenPath(a: string, b: string): number {
  const depth = a.split('/').length - b.split('/').length;
  return depth !== 0 ? depth : a < b ? -1 : a > b ? 1 : 0;
}

/** The paths of files called `name` (`Cargo.lock`, `Cargo.toml`), shallowest first. */
export function filesNamed(paths: readonly string[], name: 'Cargo.lock' | 'Cargo.toml'): string[] {
  return paths.filter((p) => p === name || p.endsWith(`/${name}`)).sort(byDepthThenPath);
}

/**
 * The toolchain files among `paths` (Cargo.toml aside: those are the manifests), outside
 * skipped folders, shallowest first.
 *
 * @example toolchainPaths(['Dockerfile', 'Cargo.toml', 'target/Dockerfile']) // ['Dockerfile']
 */
export function toolchainPaths(paths: readonly string[]): string[] {
  return paths.filter((p) => !isInSkippedDir(p) && classifyToolchainFile(p) !== null && classifyToolchainFile(p) !== 'cargo-manifest').sort(byDepthThenPath);
}

/**
 * A configured path as sources want it: `/`-separated, relative to the root, without `.`
 * or `..` parts. `where` names the repository in the error; `field` the config key.
 */
export function checkedRepoPath(where: string, path: string, field: string): string {
  const clean = path.replace(/^(\.\/)+/, '');
  const parts = clean.split('/');
  if (clean === '' || clean.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new RepoFetchError(`${where}: "${path}" in \`${field}\` is not a path inside the repository: write it relative to the root, like "crates/app/Cargo.lock"`);
  }
  return clean;
}
