// The dev/build scope of each package of a lockfile, from the workspace its folder's
// Cargo.toml roots: what the audit of a repository adds to each finding.
import { LocatedError } from '../core/errors.ts';
import { scopeOf, type PackageScope } from '../core/dependency-scope.ts';
import type { Lockfile } from '../core/lockfile.ts';
import type { RepoFile } from '../core/ports.ts';
import { resolveWorkspace } from '../core/workspace-members.ts';

/**
 * The scopes of `lockfile`'s packages, from the Cargo.toml beside it (the workspace root
 * Cargo writes the lockfile for) and the members it names among `manifests`. Null when that
 * manifest is not among them or the workspace cannot be resolved: the findings then carry
 * no scope, and alert as before.
 */
export function lockfileScopes(lockfile: Lockfile, manifests: readonly RepoFile[]): Map<string, PackageScope> | null {
  const slash = lockfile.path.lastIndexOf('/');
  const root = `${slash === -1 ? '' : lockfile.path.slice(0, slash + 1)}Cargo.toml`;
  if (!manifests.some((m) => m.path === root)) return null;
  try {
    return scopeOf(lockfile, resolveWorkspace(root, manifests));
  } catch (error) {
    if (error instanceof LocatedError) return null;
    throw error;
  }
}
