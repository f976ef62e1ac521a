// Words and orders for the runbook checks on a repository page: a finding's dependency
// scope, pinning finding kinds, manifest-only requirement statuses, toolchain pins split
// into what to update, what is current and what could not be checked. Pure, no markup.
import type { PinningKind } from '../../../functions/core/pinning.ts';
import type { FindingScope, ReportedDuplicate, RequirementCheck, ToolchainFinding, ToolchainReport } from '../../../functions/core/result.ts';
import { plural } from './format.ts';

/**
 * A finding's scope in words: `dev only (app)`, `build only (app, cli)`, `normal (app)`,
 * then the targets every path goes through (`cfg(windows) only`). Null when the result does
 * not say (written before scopes were recorded): show nothing then. A `null` scope is said
 * as not known, never as "normal": it may be either.
 *
 * @example scopeText({ scope: 'dev', members: ['cli'], targets: ['cfg(windows)'] }) // 'dev only (cli); cfg(windows) only'
 */
export function scopeText(scope: FindingScope | null | undefined): string | null {
  if (scope === undefined) return null;
  if (scope === null) return 'not known (no Cargo.toml was read beside the lockfile)';
  const kind = scope.scope === 'normal' ? 'normal' : `${scope.scope} only`;
  const members = scope.members.length > 0 ? ` (${scope.members.join(', ')})` : '';
  const targets = scope.targets && scope.targets.length > 0 ? `; ${scope.targets.join(' or ')} only` : '';
  return `${kind}${members}${targets}`;
}

export const pinningKindLabels: Readonly<Record<PinningKind, string>> = {
  'unbounded-requirement': 'Unbounded requirement',
  'git-without-rev': 'Git dependency without rev or tag',
  'inconsistent-requirements': 'Required differently by members',
  'not-inherited': 'Not inherited from the workspace',
  'unused-workspace-dependency': 'Unused workspace dependency',
  'stale-lower-bound': 'Lower bound below the locked version',
};

/** Worst first. */
export const requirementStatusOrder: readonly RequirementCheck['status'][] = ['vulnerable', 'maybe-vulnerable', 'no-matching-version', 'not-covered', 'ok'];

export const requirementStatusLabels: Readonly<Record<RequirementCheck['status'], string>> = {
  vulnerable: 'Vulnerable',
  'maybe-vulnerable': 'Maybe vulnerable',
  'no-matching-version': 'No matching version',
  'not-covered': 'Not covered',
  ok: 'OK',
};

/** The requirements worst status first, then by file and line as the result sorts them. */
export function requirementsWorstFirst(requirements: readonly RequirementCheck[]): RequirementCheck[] {
  const rank = (r: RequirementCheck) => requirementStatusOrder.indexOf(r.status);
  return [...requirements].sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line);
}

export const toolchainKindLabels: Readonly<Record<ToolchainFinding['kind'], string>> = {
  'rust-toolchain': 'Rust toolchain',
  'rust-image': 'Rust image',
  'rust-version': 'rust-version',
  'base-image': 'Base image',
};

/** What a toolchain pin pins, as written: `rust:1.75-alpine`, `channel 1.75.0`, `rust-version 1.70`. */
export function pinnedText(finding: Pick<ToolchainFinding, 'kind' | 'image' | 'current'>): string {
  if (finding.image !== null) return `${finding.image}:${finding.current}`;
  return finding.kind === 'rust-version' ? `rust-version ${finding.current}` : `channel ${finding.current}`;
}

/** How far behind a pin is: `20 releases behind` for Rust, `minor update` for a base image, `current` when neither. */
export function behindText(finding: Pick<ToolchainFinding, 'behind' | 'update'>): string {
  if (finding.behind !== null) return finding.behind === 0 ? 'current' : `${plural(finding.behind, 'release')} behind`;
  return finding.update !== null ? `${finding.update} update` : 'current';
}

/**
 * The toolchain report split for the page: flagged pins first (most releases behind, then
 * major before minor before patch, then file and line), the rest, and what was not checked.
 * `nothingChecked` is true when there is no pin at all but something could not be checked:
 * then the page must not say everything is current.
 */
export function toolchainGroups(report: ToolchainReport): { flagged: ToolchainFinding[]; current: ToolchainFinding[]; nothingChecked: boolean } {
  const level = (f: ToolchainFinding) => (f.update === null ? 3 : ['major', 'minor', 'patch'].indexOf(f.update));
  const byPlace = (a: ToolchainFinding, b: ToolchainFinding) => a.file.localeCompare(b.file) || a.line - b.line;
  const flagged = report.findings.filter((f) => f.flagged).sort((a, b) => (b.behind ?? -1) - (a.behind ?? -1) || level(a) - level(b) || byPlace(a, b));
  const current = report.findings.filter((f) => !f.flagged).sort(byPlace);
  return { flagged, current, nothingChecked: report.findings.length === 0 && report.notChecked.length > 0 };
}

/** Duplicates ranked as the runbook works through them: most packages gone when unified first, then by name. */
export function duplicatesByGain<D extends Pick<ReportedDuplicate, 'name' | 'disappear'>>(duplicates: readonly D[]): D[] {
  return [...duplicates].sort((a, b) => b.disappear - a.disappear || a.name.localeCompare(b.name));
}
