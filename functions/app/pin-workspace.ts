// The pin check of one workspace from its files: members, pinning findings and the pin plan.
// `cratewatch pin` calls it on a local folder; a scan can call it with a repository's files.
import { parseLockfile, type Lockfile } from '../core/lockfile.ts';
import { planPins, type PinPlan } from '../core/pin-plan.ts';
import { findPinningIssues, type PinningReport } from '../core/pinning.ts';
import { resolveWorkspace } from '../core/workspace-members.ts';

export interface PinFile {
  /** Repository-relative, `/`-separated. */
  path: string;
  text: string;
}

export interface PinCheck extends PinningReport {
  /** The root manifest's path. */
  root: string;
  /** The lockfile read, or null when there is none. */
  lockfile: string | null;
  /** Member package names, the root package first. */
  members: string[];
  /** `members` entries with no Cargo.toml among the files. */
  missingMembers: string[];
  plan: PinPlan;
}

/**
 * Checks the workspace whose root is `rootManifest` among `manifests`, against `lockfile`
 * (the root's Cargo.lock) when there is one. Throws ConfigError / LockfileParseError with
 * file and line when a file cannot be read.
 */
export function checkPins(rootManifest: string, manifests: readonly PinFile[], lockfile: PinFile | null): PinCheck {
  const workspace = resolveWorkspace(rootManifest, manifests);
  const locked: Lockfile | null = lockfile ? parseLockfile(lockfile.text, lockfile.path) : null;
  const report = findPinningIssues(workspace, locked);
  return {
    root: workspace.root.path,
    lockfile: lockfile?.path ?? null,
    members: workspace.members.map((m) => m.name),
    missingMembers: workspace.missing,
    findings: report.findings,
    notChecked: report.notChecked,
    plan: planPins(workspace, locked),
  };
}
