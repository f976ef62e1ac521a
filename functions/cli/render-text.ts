// Small text helpers shared by the terminal and Markdown renderers.
import type { PathStep } from '../core/dependency-paths.ts';
import { describePin } from '../core/duplicates-explained.ts';
import type { PinningFinding } from '../core/pinning.ts';
import type { AllowanceProblem, AppliedAllowance, ExplainedDuplicate, Finding, FindingScope, NotCovered, ReportedDuplicate, RequirementCheck } from '../core/result.ts';

/** `my-app → reqwest 0.11.27 → hyper 0.14.32`: roots are shown by name only. */
export function formatPath(path: readonly PathStep[]): string {
  return path.map((step, i) => (i === 0 ? step.name : `${step.name} ${step.version}`)).join(' → ');
}

/** The advisory id, or `yanked` for findings without one. */
export function findingId(finding: Finding): string {
  return finding.advisory?.id ?? 'yanked';
}

export function plural(count: number, word: string): string {
  if (count === 1) return `${count} ${word}`;
  // A consonant before the y: advisory → advisories; a vowel: day → days.
  return `${count} ${/[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

/**
 * The not-covered packages as lines: each on its own, but the failed index lookups of one
 * outage in one line (`index lookup failed for 16 crates (base64, bytes, … and 12 more): …`),
 * not sixteen lines saying the same thing.
 */
export function notCoveredLines(notCovered: readonly NotCovered[]): string[] {
  const failed = notCovered.filter((n) => n.reason === 'index-failed');
  const lines = notCovered.filter((n) => n.reason !== 'index-failed').map((n) => `${n.name} ${n.version}: ${n.message}`);
  if (failed.length === 1) lines.push(`${failed[0]!.name} ${failed[0]!.version}: ${failed[0]!.message}`);
  if (failed.length > 1) {
    const names = failed.map((n) => n.name);
    const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
    lines.push(`index lookup failed for ${failed.length} crates (${shown}): ${failed[0]!.message}`);
  }
  return lines;
}

/** `dev (app, cli)`, `normal (app; cfg(windows) only)`: how a finding's package is reached. */
export function scopeText(scope: FindingScope): string {
  const members = scope.members.length > 0 ? scope.members.join(', ') : 'no member';
  const targets = scope.targets === null ? '' : `; ${scope.targets.join(' or ')} only`;
  return `${scope.scope} (${members}${targets})`;
}

/**
 * The headline of an explained duplicate: each version with who pulls it in, the target and
 * what unifying removes: `thiserror 1.0.69 (my-app), 2.0.12 (my-lib) → 2.0.12; unifying removes 2 packages`.
 */
export function duplicateHeadline(d: ExplainedDuplicate): string {
  const by = (pins: ExplainedDuplicate['versions'][number]['pinnedBy']) => pins.map((p) => (p.kind === 'member' ? p.member : `${p.name} ${p.version}`)).join(', ');
  const versions = d.versions.map((v) => (v.pinnedBy.length > 0 ? `${v.version} (${by(v.pinnedBy)})` : v.version)).join(', ');
  const removes = d.disappear > 0 ? `; unifying removes ${plural(d.disappear, 'package')}` : '';
  return `${d.name} ${versions} → ${d.target.version}${removes}`;
}

/** One line per older version of an explained duplicate: how it goes, then why, pin by pin. */
export function duplicateStepLines(d: ReportedDuplicate): string[] {
  const lines: string[] = [];
  for (const step of d.steps) {
    if (d.skipped.includes(step.version)) {
      lines.push(`${step.version}: allowed (${d.allowedBy.map((a) => a.reason).join('; ')})`);
      continue;
    }
    const how = step.command !== null ? `run \`${step.command}\`` : step.status === 'blocked' ? 'blocked' : step.status === 'unknown' ? 'the way is not known' : 'ready';
    lines.push(`${step.version} (${step.relation}): ${how}`);
    for (const pin of step.pins) if (pin.way.kind !== 'admits' || step.status !== 'ready') lines.push(`  ${describePin(d.name, d.target.version, pin)}`);
  }
  if (d.disappearing.length > 0) {
    const shown = d.disappearing.slice(0, 10).map((p) => `${p.name} ${p.version}`);
    lines.push(`disappear: ${shown.join(', ')}${d.disappearing.length > 10 ? ` and ${d.disappearing.length - 10} more` : ''}`);
  }
  return lines;
}

/** An accepted duplicate: `windows-sys 0.48 allowed until 2027-01-01 (cratewatch.toml): mio still needs it`. */
export function allowanceText(a: AppliedAllowance): string {
  return `${a.name}${a.version === null ? '' : ` ${a.version}`} allowed${a.until === null ? '' : ` until ${a.until}`}${a.from === null ? '' : ` (${a.from})`}: ${a.reason}`;
}

/** A duplicate allowance that did not do what was meant. */
export function allowanceProblemText(p: AllowanceProblem): string {
  const what = `${p.name}${p.version === null ? '' : ` ${p.version}`}${p.from === null ? '' : ` in ${p.from}`}`;
  return p.problem === 'expired' ? `duplicate allowance of ${what} expired on ${p.until}; it no longer applies (reason was: ${p.reason})` : `duplicate allowance of ${what} matches no duplicated version; remove it (reason was: ${p.reason})`;
}

/** `crates/api/Cargo.toml:11 unbounded-requirement http: … (suggest: version = "1.1")`. */
export function pinningFindingText(f: PinningFinding): string {
  return `${f.file}:${f.line} ${f.kind} ${f.crate}: ${f.message}${f.suggestion === null ? '' : ` (suggest: ${f.suggestion})`}`;
}

/** A requirement of a manifest-only scan as a line of words. */
export function requirementText(r: RequirementCheck): string {
  const ids = r.advisories.map((a) => `${a.id} (${a.severity})`).join(', ');
  const newest = r.newest === null ? '' : `, newest ${r.newest}${r.outdated ? ` (latest ${r.latest})` : ''}`;
  const why = r.notCovered !== null ? `: ${r.notCovered.message}` : ids !== '' ? `: ${ids}` : '';
  return `${r.file}:${r.line} ${r.key} ${r.requirement ?? '-'} [${r.kind}] ${r.status}${newest}${why}`;
}
