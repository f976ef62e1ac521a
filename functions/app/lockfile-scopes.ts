// The workspace a lockfile belongs to, from the Cargo.toml beside it, and the dev/build scope
// of each of its packages: what the audit of a repository adds to each finding.
import { LocatedError } from '../core/errors.ts';
import { scopeOf, type PackageScope } from '../core/dependency-scope.ts';
import type { Lockfile } from '../core/lockfile.ts';
import type { RepoFile } from '../core/ports.ts';
import { resolveWorkspace, type Workspace } from '../core/workspace-members.ts';

/**
 * The workspace the Cargo.toml beside a lockfile roots (the one Cargo writes that lockfile
 * for), with the members it names among `manifests`. Null when that manifest is not among
 * them or the workspace cannot be resolved (the pinning check says why): the findings then
 * carry no scope, and alert as before.
 */
export function lockfileWorkspace(lockfilePath: string, manifests: readonly RepoFile[]): Workspace | null {
  const slash = lockfilePath.lastIndexOf('/');
  const root = `${slash === -1 ? '' : lockfilePath.slice(0, slash + 1)}Cargo.toml`;
  if (!manifests.some((m) => m.path === root)) return null;
  try {
    return resolveWorkspace(root, manifests);
  } catch (error) {
    if (error instanceof LocatedError) return null;
    throw error;
  }
}

/** The scopes of `lockfile`'s packages (see `scopeOf`), or null when its workspace is not known. */
export function lockfileScopes(lockfile: Lockfile, manifests: readonly RepoFile[]): Map<string, PackageScope> | null {
  const workspace = lockfileWorkspace(lockfile.path, manifests);
  return workspace ? scopeOf(lockfile, workspace) : null;
}
