// The terminal report of `cratewatch audit`: findings grouped by severity with their fix
// and how they are pulled in, then ignores, duplicates explained, and the repository's other
// checks (pinning, the manifest-only scan, toolchains) and a verdict. Colour only on request.
import { rustsecPage } from '../core/advisory.ts';
import { planLockfileFixes, type PackageFix } from '../core/fix-plan.ts';
import { indexWasAsked, platformLimits, type LockfileResult, type ScanResult } from '../core/result.ts';
import { SEVERITIES, type Severity } from '../core/severity.ts';
import {
  allowanceProblemText,
  allowanceText,
  duplicateHeadline,
  duplicateStepLines,
  findingId,
  formatPath,
  notCoveredLines,
  pinningFindingText,
  plural,
  requirementText,
  scopeText,
} from './render-text.ts';
import { describeStaleDb } from './render-summary.ts';

const CODES = { red: 31, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1 } as const;
type Style = keyof typeof CODES;

const SEVERITY_STYLE: Record<Severity, Style> = {
  critical: 'magenta',
  high: 'red',
  medium: 'yellow',
  low: 'blue',
  unscored: 'cyan',
  informational: 'grey',
};

/** What the offline note says wherever the index facts would be. */
export const INDEX_NOT_CHECKED = 'not checked (offline: the crates.io index was not asked)';

/** One line per locked package: the upgrade and what it closes; a manifest bump names its blockers below. */
function fixFirstLines(fixes: readonly PackageFix[]): string[] {
  const lines: string[] = [];
  for (const fix of fixes) {
    const { name, version } = fix.package;
    const ids = (list: typeof fix.closes) => list.map((f) => f.id).join(', ');
    const what =
      fix.status === 'compatible'
        ? fix.command!
        : fix.status === 'manifest-bump'
          ? `${name} ${version} → ${fix.version} (not semver-compatible: raise the requirement)`
          : `${name} ${version}: no fixed version, remove or replace it`;
    const closes = fix.closes.length > 0 ? `  closes ${ids(fix.closes)} (${fix.severity})` : `  leaves ${ids(fix.remains)} open (${fix.severity})`;
    const left = fix.closes.length > 0 && fix.remains.length > 0 ? `; ${ids(fix.remains)} stay${fix.remains.length === 1 ? 's' : ''} open: no version fixes ${fix.remains.length === 1 ? 'it' : 'them'} with the others` : '';
    lines.push(`  ${what}${closes}${left}`);
    for (const b of fix.blockedBy ?? []) lines.push(`    blocked by ${b.workspace ? b.name : `${b.name} ${b.version}`}: ${b.workspace ? b.needs : `needs ${b.needs}`}`);
  }
  return lines;
}

function renderLockfile(lockfile: LockfileResult, paint: (style: Style, text: string) => string): string[] {
  const lines: string[] = [];
  const format = lockfile.format === null ? '' : `, format v${lockfile.format}`;
  lines.push(paint('bold', `${lockfile.path}`) + ` (${plural(lockfile.packageCount, 'package')}${format})`);
  for (const error of lockfile.errors) lines.push(`  ${paint('red', 'error')}: ${error.message}`);
  for (const warning of lockfile.warnings ?? []) lines.push(`  ${paint('yellow', 'warning')}: ${warning.message}`);
  if (lockfile.status === 'scanned-nothing') lines.push('  scanned nothing: the lockfile has no packages');
  if (lockfile.findings.length > 0) {
    // What to run first: one upgrade per locked package, closing all its advisories it can.
    const fixes = planLockfileFixes(lockfile);
    lines.push('', `  fix first (${fixes.length}): one upgrade per locked package`, ...fixFirstLines(fixes));
  }
  for (const severity of SEVERITIES) {
    const group = lockfile.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push('', `  ${paint(SEVERITY_STYLE[severity], severity.toUpperCase())} (${group.length})`);
    for (const f of group) {
      const score = f.advisory?.cvss ? ` CVSS ${f.advisory.cvss.score.toFixed(1)}` : '';
      lines.push(`  ${paint('bold', `${f.package.name} ${f.package.version}`)}  ${findingId(f)}  ${f.kind}${score}`);
      if (f.advisory) {
        // As cargo audit shows them: the advisory's page on rustsec.org and the day it was published.
        lines.push(`    ${f.advisory.title}`);
        lines.push(`    date: ${f.advisory.date}  ${rustsecPage(f.advisory.id) ?? f.advisory.url ?? ''}`.trimEnd());
      }
      const platforms = f.advisory ? platformLimits(f.advisory) : null;
      if (platforms !== null) lines.push(`    platforms: ${platforms}`);
      if (f.advisory?.aliases.length) lines.push(`    aliases: ${f.advisory.aliases.join(', ')}`);
      lines.push(`    fix: ${f.fix.command ?? f.fix.summary}`);
      if (f.scope) lines.push(`    scope: ${scopeText(f.scope)}`);
      for (const path of f.paths) lines.push(`    via: ${formatPath(path)}`);
      if (f.advisory?.url) lines.push(paint('grey', `    see also: ${f.advisory.url}`));
    }
  }
  if (lockfile.ignored.length > 0) {
    lines.push('', `  ignored (${lockfile.ignored.length})`);
    for (const f of lockfile.ignored) {
      const until = f.ignoredBy.until ? ` until ${f.ignoredBy.until}` : '';
      lines.push(`  ${f.package.name} ${f.package.version}  ${findingId(f)}: ${f.ignoredBy.reason}${until}`);
    }
  }
  for (const p of lockfile.ignoreProblems) {
    const text = p.problem === 'expired' ? `ignore of ${p.id} expired on ${p.until}; it no longer applies` : `ignore of ${p.id} matched nothing; remove it`;
    lines.push(`  ${paint('yellow', 'warning')}: ${text} (reason was: ${p.reason})`);
  }
  if (!indexWasAsked(lockfile)) lines.push('', `  outdated, yanked: ${INDEX_NOT_CHECKED}`);
  if (lockfile.outdated.length > 0) {
    // Like `cargo outdated`: the direct dependencies in full, the transitive ones counted.
    const direct = lockfile.outdated.filter((o) => o.direct);
    lines.push('', `  outdated (${lockfile.outdated.length}, ${direct.length} direct): locked → compatible / latest`);
    for (const o of direct) {
      const msrv = o.msrvLimited ? '  (newer releases need a newer Rust than rust-version)' : '';
      lines.push(`  ${o.name} ${o.version} → ${o.compatible ?? '-'} / ${o.latest ?? '-'}${msrv}`);
    }
  }
  if (lockfile.notCovered.length > 0) {
    lines.push('', `  not covered (${lockfile.notCovered.length})`);
    for (const line of notCoveredLines(lockfile.notCovered)) lines.push(`  ${line}`);
  }
  if (lockfile.duplicatesExplained !== undefined) {
    lines.push(...explainedDuplicateLines(lockfile, paint));
  } else if (lockfile.duplicates.length > 0) {
    lines.push('', `  duplicates (${lockfile.duplicates.length})`);
    for (const d of lockfile.duplicates) {
      const versions = d.versions.map((v) => `${v.version} (${v.dependents.map((p) => `${p.name} ${p.version}`).join(', ') || 'root'})`);
      lines.push(`  ${d.name}: ${versions.join('; ')}`);
    }
  }
  return lines;
}

/** Duplicates as `cargo tree -d` would show them, with the way out: most packages removed first. */
function explainedDuplicateLines(lockfile: LockfileResult, paint: (style: Style, text: string) => string): string[] {
  const lines: string[] = [];
  const reported = lockfile.duplicatesExplained ?? [];
  if (reported.length > 0) {
    lines.push('', `  duplicates (${reported.length}), most packages removed first`);
    for (const d of reported) {
      lines.push(`  ${paint('bold', duplicateHeadline(d))}`);
      for (const line of duplicateStepLines(d)) lines.push(`    ${line}`);
    }
  }
  const allowed = lockfile.allowedDuplicates ?? [];
  if (allowed.length > 0) {
    lines.push('', `  allowed duplicates (${allowed.length})`);
    for (const d of allowed) lines.push(`  ${d.name} ${d.versions.map((v) => v.version).join(', ')}: ${d.allowedBy.map(allowanceText).join('; ')}`);
  }
  for (const p of lockfile.duplicatePolicyProblems ?? []) lines.push(`  ${paint('yellow', 'warning')}: ${allowanceProblemText(p)}`);
  return lines;
}

/** The repository's checks besides its lockfiles: pinning per workspace root, the manifest-only scan, toolchains. */
function repositoryLines(result: ScanResult, paint: (style: Style, text: string) => string): string[] {
  const lines: string[] = [];
  for (const pinning of result.pinning ?? []) {
    const findings = pinning.findings.length === 0 ? 'no findings' : plural(pinning.findings.length, 'finding');
    lines.push(paint('bold', `pinning: ${pinning.root}`) + ` (${plural(pinning.members.length, 'member')}, ${findings})`);
    for (const f of pinning.findings) lines.push(`  ${pinningFindingText(f)}`);
    for (const note of pinning.notChecked) lines.push(`  not checked: ${note}`);
    if (pinning.plan.notPlanned !== null) lines.push(`  pin plan: none (${pinning.plan.notPlanned})`);
    else if (pinning.plan.diff !== '') lines.push(`  pin plan: ${plural(pinning.plan.patches.length, 'file')} to change (\`cratewatch pin ${pinning.root.replace(/\/?Cargo\.toml$/, '') || '.'}\` prints the diff)`);
    lines.push('');
  }
  for (const e of result.pinningErrors ?? []) lines.push(`${paint('red', 'error')}: pinning of ${e.root} not checked: ${e.file}${e.line === null ? '' : `:${e.line}`}: ${e.message}`, '');
  const scan = result.manifestScan;
  if (scan) {
    const c = scan.counts;
    lines.push(paint('bold', 'no Cargo.lock: requirements checked from the manifests') + ` (${plural(c.requirements, 'requirement')}, ${c.vulnerable} vulnerable, ${c.maybeVulnerable} maybe vulnerable, ${c.outdated} outdated)`);
    for (const e of scan.errors) lines.push(`  ${paint('red', 'error')}: ${e.file}${e.line === null ? '' : `:${e.line}`}: ${e.message}`);
    if (!scan.index.checked) lines.push(`  newest, outdated: ${INDEX_NOT_CHECKED}`);
    for (const r of scan.requirements) {
      const style: Style | null = r.status === 'vulnerable' ? 'red' : r.status === 'maybe-vulnerable' ? 'yellow' : null;
      const text = requirementText(r);
      lines.push(`  ${style ? paint(style, text) : text}`);
    }
    lines.push('');
  }
  const toolchains = result.toolchains;
  if (toolchains && (toolchains.findings.length > 0 || toolchains.notChecked.length > 0)) {
    const latest = toolchains.latestStable ? `, latest stable Rust ${toolchains.latestStable.version}` : '';
    lines.push(paint('bold', 'toolchains and base images') + ` (${plural(toolchains.findings.filter((f) => f.flagged).length, 'update')} flagged${latest})`);
    for (const f of toolchains.findings) lines.push(`  ${f.flagged ? paint('yellow', 'update') : 'ok'}: ${f.message}`);
    for (const n of toolchains.notChecked) lines.push(`  not checked: ${n.reason}`);
    lines.push('');
  }
  return lines;
}

/** Renders a result for a terminal; `color` adds ANSI colours. */
export function renderTable(result: ScanResult, options: { color: boolean }): string {
  const paint = (style: Style, text: string) => (options.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  for (const lockfile of result.lockfiles) lines.push(...renderLockfile(lockfile, paint), '');
  lines.push(...repositoryLines(result, paint));
  const c = result.counts;
  const bySeverity = SEVERITIES.filter((s) => c.bySeverity[s] > 0).map((s) => `${c.bySeverity[s]} ${s}`);
  const verdict = {
    failing: paint('red', 'FAIL'),
    error: paint('red', 'ERROR'),
    warnings: paint('yellow', 'WARN'),
    'scanned-nothing': paint('yellow', 'NOTHING SCANNED'),
    clean: 'OK',
  }[result.status];
  lines.push(
    `${verdict}: ${plural(c.findings, 'finding')}${bySeverity.length ? ` (${bySeverity.join(', ')})` : ''}, ` +
      `${plural(c.ignored, 'ignored finding')}, ${plural(c.duplicates, 'duplicate crate')}`,
    paint('grey', `advisory db ${result.advisoryDb.revision} (${result.advisoryDb.advisoryCount} advisories)`),
  );
  if (result.advisoryDb.diagnostics.length > 0) {
    lines.push(paint('yellow', `${plural(result.advisoryDb.diagnostics.length, 'advisory')} could not be read and were skipped`));
  }
  if (result.advisoryDb.stale) lines.push(paint('yellow', `warning: ${describeStaleDb(result.advisoryDb.stale, result.advisoryDb.revision)}`));
  return `${lines.join('\n')}\n`;
}
