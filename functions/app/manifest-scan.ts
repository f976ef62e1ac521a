// The manifest-only scan of a repository without Cargo.lock (as deps.rs does): every
// workspace its manifests form, every requirement of every member checked against the
// advisory database and the registry index, each crate looked up once.
import type { AdvisoryDb } from '../core/advisory.ts';
import { parseCargoManifest, type CargoManifest } from '../core/cargo-manifest.ts';
import { errorMessage, formatLocation, LocatedError } from '../core/errors.ts';
import { auditManifestRequirements, cratesToLookUp, type RequirementCheck } from '../core/manifest-audit.ts';
import type { CrateLookup, IndexSource, RepoFile } from '../core/ports.ts';
import type { ManifestScan, ManifestScanCounts, ManifestScanError } from '../core/result.ts';
import { normalizePath, resolveWorkspace, type Workspace } from '../core/workspace-members.ts';

export interface ManifestScanRequest {
  /** Every Cargo.toml of the repository, repository-relative. */
  manifests: readonly RepoFile[];
  db: AdvisoryDb;
  /** The registry index; null: not asked (offline), so newest and outdated are not checked. */
  index: IndexSource | null;
}

export type { ManifestScan, ManifestScanCounts, ManifestScanError, ManifestScanWorkspace } from '../core/result.ts';

function scanError(error: unknown, file: string): ManifestScanError {
  const location = error instanceof LocatedError ? error.location : undefined;
  // LocatedError's message starts with its location: keep the reason only, the fields say where.
  const prefix = location ? `${formatLocation(location)}: ` : '';
  const text = errorMessage(error);
  const message = prefix !== '' && text.startsWith(prefix) ? text.slice(prefix.length) : text;
  return { file: location?.file ?? file, line: location?.line ?? null, field: location?.field ?? null, message };
}

/**
 * The workspaces the manifests form, as Cargo finds them: each manifest with `[workspace]`
 * is a root (nested ones too), and a package no workspace takes as a member (excluded, or
 * outside every root) is a workspace of its own. A manifest that does not parse is left
 * out and reported; so is a workspace that cannot be resolved.
 */
function findWorkspaces(manifests: readonly RepoFile[]): { workspaces: Workspace[]; errors: ManifestScanError[] } {
  const errors: ManifestScanError[] = [];
  const parsed: { file: RepoFile; manifest: CargoManifest }[] = [];
  for (const file of manifests) {
    const path = normalizePath(file.path);
    try {
      parsed.push({ file: { path, text: file.text }, manifest: parseCargoManifest(file.text, path) });
    } catch (error) {
      if (!(error instanceof LocatedError)) throw error;
      errors.push(scanError(error, path));
    }
  }
  parsed.sort((a, b) => a.file.path.localeCompare(b.file.path));
  const files = parsed.map((p) => p.file);
  const workspaces: Workspace[] = [];
  const claimed = new Set<string>();
  const resolve = (root: string): void => {
    try {
      const workspace = resolveWorkspace(root, files);
      workspaces.push(workspace);
      claimed.add(root);
      for (const member of workspace.members) claimed.add(member.manifest.path);
    } catch (error) {
      if (!(error instanceof LocatedError)) throw error;
      errors.push(scanError(error, root));
    }
  };
  for (const { manifest } of parsed) if (manifest.workspace !== null) resolve(manifest.path);
  for (const { manifest } of parsed) if (manifest.package !== null && !claimed.has(manifest.path)) resolve(manifest.path);
  return { workspaces, errors };
}

function countOf(requirements: readonly RequirementCheck[]): ManifestScanCounts {
  const count = (test: (r: RequirementCheck) => boolean) => requirements.filter(test).length;
  return {
    requirements: requirements.length,
    vulnerable: count((r) => r.status === 'vulnerable'),
    maybeVulnerable: count((r) => r.status === 'maybe-vulnerable'),
    outdated: count((r) => r.outdated === true),
    noMatchingVersion: count((r) => r.status === 'no-matching-version'),
    notCovered: count((r) => r.status === 'not-covered'),
    notChecked: count((r) => r.notCovered === null && !r.index.checked),
  };
}

/**
 * Scans a repository's manifests without a lockfile. The index (when given) is asked about
 * each crates.io crate the requirements name, once; a crate it does not know or cannot
 * give is "not checked" for newest and outdated, and judged on the advisory ranges alone.
 */
export async function scanManifests(request: ManifestScanRequest): Promise<ManifestScan> {
  const { workspaces, errors } = findWorkspaces(request.manifests);
  let lookups: Map<string, CrateLookup> | undefined;
  if (request.index) {
    const index = request.index;
    const names = [...new Set(workspaces.flatMap(cratesToLookUp))].sort();
    const answers = await Promise.all(names.map((name) => index.lookup(name)));
    lookups = new Map(names.map((name, i) => [name, answers[i]!]));
  }
  const requirements = workspaces
    .flatMap((workspace) => auditManifestRequirements(workspace, request.db, lookups ? { index: lookups } : {}))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key));
  return {
    workspaces: workspaces.map((w) => ({ root: w.root.path, members: w.members.map((m) => m.name), missingMembers: w.missing })),
    requirements,
    errors,
    index: lookups ? { checked: true } : { checked: false, reason: 'offline' },
    counts: countOf(requirements),
  };
}
