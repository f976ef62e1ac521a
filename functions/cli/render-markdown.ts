// A Markdown report of an audit, to paste into a pull request or an issue.
import { rustsecPage } from '../core/advisory.ts';
import { planLockfileFixes, type PackageFix } from '../core/fix-plan.ts';
import { indexWasAsked, platformLimits, type Finding, type LockfileResult, type ScanResult } from '../core/result.ts';
import { INDEX_NOT_CHECKED } from './render-table.ts';
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
  scopeText,
} from './render-text.ts';

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/([<>*_`[\]])/g, '\\$1');
}

/**
 * Text as a code span, fenced with more backticks than any run inside it: a backtick in a
 * crate name or path must not end the span and turn the rest into Markdown or HTML.
 */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const inner = text.replace(/\r?\n/g, ' ');
  return longest > 0 ? `${fence} ${inner} ${fence}` : `${fence}${inner}${fence}`;
}

/** A code span in a table cell: GFM splits cells on `|` even inside code, unless it is escaped. */
function codeCell(text: string): string {
  return code(text).replace(/\|/g, '\\|');
}

/** A URL from the database made safe inside a Markdown link in a table cell. */
function linkTarget(url: string): string {
  return encodeURI(decodeUriSafe(url)).replace(/[|()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeUriSafe(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function advisoryLink(f: Finding): string {
  const id = findingId(f);
  const url = f.advisory?.url ?? rustsecPage(id);
  return url === null ? cell(id) : `[${cell(id)}](${linkTarget(url)})`;
}

function fixCell(f: Finding): string {
  return f.fix.command ? codeCell(f.fix.command) : cell(f.fix.summary);
}

/** The fix of one locked package as a table row: what to do, what it closes, what blocks it or stays open. */
function fixRow(fix: PackageFix): string {
  const { name, version } = fix.package;
  const what =
    fix.status === 'compatible'
      ? codeCell(fix.command!)
      : fix.status === 'manifest-bump'
        ? `${cell(`${name} ${version} → ${fix.version}`)} (not semver-compatible: raise the requirement)`
        : `${cell(`${name} ${version}`)}: no fixed version, remove or replace it`;
  const notes = [
    ...(fix.blockedBy ?? []).map((b) => cell(`blocked by ${b.workspace ? b.name : `${b.name} ${b.version}`}: ${b.workspace ? b.needs : `needs ${b.needs}`}`)),
    ...(fix.closes.length > 0 ? fix.remains : []).map((f) => `${cell(f.id)} stays open: no version fixes it with the others`),
  ];
  const closes = fix.closes.length > 0 ? fix.closes.map((f) => cell(f.id)).join(', ') : `none (${fix.remains.map((f) => cell(f.id)).join(', ')} open)`;
  return `| ${what} | ${closes} | ${fix.severity} | ${notes.join('<br>')} |`;
}

function fixesTable(lockfile: LockfileResult): string[] {
  const rows = planLockfileFixes(lockfile).map(fixRow);
  return ['**Fixes** (one upgrade per locked package, most severe first)', '', '| Fix | Closes | Severity | Notes |', '| --- | --- | --- | --- |', ...rows, ''];
}

export function renderMarkdown(result: ScanResult): string {
  const out: string[] = ['## cratewatch audit', ''];
  const c = result.counts;
  out.push(`**${result.status}**: ${plural(c.findings, 'finding')}, ${plural(c.ignored, 'ignored finding')}, ${plural(c.duplicates, 'duplicate crate')} · advisory db ${code(result.advisoryDb.revision)}`, '');
  for (const lockfile of result.lockfiles) {
    out.push(`### ${code(lockfile.path)}`, '');
    for (const e of lockfile.errors) out.push(`> **Error:** ${cell(e.message)}`, '');
    if (lockfile.status === 'scanned-nothing') out.push('Scanned nothing: the lockfile has no packages.', '');
    if (lockfile.findings.length > 0) {
      out.push(...fixesTable(lockfile));
      out.push('| Severity | Crate | Advisory | Title | Fix | Pulled in by |', '| --- | --- | --- | --- | --- | --- |');
      for (const f of lockfile.findings) {
        const score = f.advisory?.cvss ? ` (${f.advisory.cvss.score.toFixed(1)})` : '';
        const via = [...(f.scope ? [`scope: ${cell(scopeText(f.scope))}`] : []), ...f.paths.map((p) => cell(formatPath(p)))].join('<br>');
        const platforms = f.advisory ? platformLimits(f.advisory) : null;
        const title = cell(f.advisory?.title ?? 'yanked version') + (platforms === null ? '' : ` (${cell(platforms)})`);
        out.push(`| ${f.severity}${score} | ${cell(`${f.package.name} ${f.package.version}`)} | ${advisoryLink(f)} | ${title} | ${fixCell(f)} | ${via} |`);
      }
      out.push('');
    } else if (lockfile.errors.length === 0 && lockfile.status !== 'scanned-nothing') {
      out.push('No advisories affect this lockfile.', '');
    }
    if (lockfile.ignored.length > 0) {
      out.push('<details><summary>Ignored</summary>', '');
      for (const f of lockfile.ignored) out.push(`- ${advisoryLink(f)} (${cell(f.package.name)} ${f.package.version}): ${cell(f.ignoredBy.reason)}${f.ignoredBy.until ? ` (until ${f.ignoredBy.until})` : ''}`);
      out.push('', '</details>', '');
    }
    for (const p of lockfile.ignoreProblems) {
      out.push(`- :warning: ignore of ${code(p.id)} ${p.problem === 'expired' ? `expired on ${p.until}` : 'matched nothing'}`);
    }
    if (lockfile.ignoreProblems.length > 0) out.push('');
    if (!indexWasAsked(lockfile)) out.push(`> Outdated, yanked: ${INDEX_NOT_CHECKED}.`, '');
    if (lockfile.outdated.length > 0) {
      out.push('<details><summary>Outdated</summary>', '', '| Crate | Locked | Compatible | Latest | Direct |', '| --- | --- | --- | --- | --- |');
      for (const o of lockfile.outdated) out.push(`| ${cell(o.name)} | ${o.version} | ${o.compatible ?? '-'} | ${o.latest ?? '-'} | ${o.direct ? 'yes' : ''} |`);
      out.push('', '</details>', '');
    }
    if (lockfile.notCovered.length > 0) {
      out.push('<details><summary>Not covered</summary>', '');
      for (const line of notCoveredLines(lockfile.notCovered)) out.push(`- ${cell(line)}`);
      out.push('', '</details>', '');
    }
    if (lockfile.duplicatesExplained !== undefined) {
      out.push(...explainedDuplicates(lockfile));
    } else if (lockfile.duplicates.length > 0) {
      out.push('<details><summary>Duplicates</summary>', '', '| Crate | Versions |', '| --- | --- |');
      for (const d of lockfile.duplicates) {
        out.push(`| ${cell(d.name)} | ${d.versions.map((v) => `${v.version} (${cell(v.dependents.map((p) => `${p.name} ${p.version}`).join(', ') || 'root')})`).join('<br>')} |`);
      }
      out.push('', '</details>', '');
    }
  }
  out.push(...repositorySections(result));
  return `${out.join('\n').trimEnd()}\n`;
}

/** Duplicates explained (most packages removed first), those the policy allows, and its problems. */
function explainedDuplicates(lockfile: LockfileResult): string[] {
  const out: string[] = [];
  const reported = lockfile.duplicatesExplained ?? [];
  if (reported.length > 0) {
    out.push(`<details><summary>Duplicates (${reported.length})</summary>`, '', '| Crate | Way out |', '| --- | --- |');
    for (const d of reported) out.push(`| ${cell(duplicateHeadline(d))} | ${duplicateStepLines(d).map(cell).join('<br>')} |`);
    out.push('', '</details>', '');
  }
  const allowed = lockfile.allowedDuplicates ?? [];
  if (allowed.length > 0) {
    out.push('<details><summary>Allowed duplicates</summary>', '');
    for (const d of allowed) out.push(`- ${cell(`${d.name} ${d.versions.map((v) => v.version).join(', ')}`)}: ${d.allowedBy.map((a) => cell(allowanceText(a))).join('; ')}`);
    out.push('', '</details>', '');
  }
  for (const p of lockfile.duplicatePolicyProblems ?? []) out.push(`- :warning: ${cell(allowanceProblemText(p))}`);
  if ((lockfile.duplicatePolicyProblems ?? []).length > 0) out.push('');
  return out;
}

/** Pinning per workspace root (with the pin plan's diff), the manifest-only scan and toolchains. */
function repositorySections(result: ScanResult): string[] {
  const out: string[] = [];
  for (const pinning of result.pinning ?? []) {
    out.push(`### Pinning: ${code(pinning.root)}`, '');
    if (pinning.findings.length === 0) out.push('No pinning findings.', '');
    for (const f of pinning.findings) out.push(`- ${cell(pinningFindingText(f))}`);
    if (pinning.findings.length > 0) out.push('');
    for (const note of pinning.notChecked) out.push(`- Not checked: ${cell(note)}`);
    if (pinning.notChecked.length > 0) out.push('');
    if (pinning.plan.diff !== '') {
      const fence = '`'.repeat(Math.max(3, ...(pinning.plan.diff.match(/`+/g) ?? []).map((run) => run.length + 1)));
      out.push('<details><summary>Pin plan (applies with <code>git apply</code>)</summary>', '', `${fence}diff`, pinning.plan.diff.trimEnd(), fence, '', '</details>', '');
    }
  }
  for (const e of result.pinningErrors ?? []) out.push(`> **Error:** pinning of ${code(e.root)} not checked: ${cell(`${e.file}${e.line === null ? '' : `:${e.line}`}: ${e.message}`)}`, '');
  const scan = result.manifestScan;
  if (scan) {
    const c = scan.counts;
    out.push('### Requirements (no Cargo.lock)', '', `${plural(c.requirements, 'requirement')}: ${c.vulnerable} vulnerable, ${c.maybeVulnerable} maybe vulnerable, ${c.outdated} outdated.`, '');
    for (const e of scan.errors) out.push(`> **Error:** ${cell(`${e.file}${e.line === null ? '' : `:${e.line}`}: ${e.message}`)}`, '');
    if (!scan.index.checked) out.push(`> Newest, outdated: ${INDEX_NOT_CHECKED}.`, '');
    if (scan.requirements.length > 0) {
      out.push('| Where | Crate | Requirement | Kind | Status | Newest | Latest | Advisories |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
      for (const r of scan.requirements) {
        const advisories = r.advisories.map((a) => `${cell(a.id)} (${a.severity})`).join('<br>');
        out.push(`| ${cell(`${r.file}:${r.line}`)} | ${cell(r.key)} | ${r.requirement === null ? '-' : codeCell(r.requirement)} | ${r.kind} | ${r.status} | ${r.newest ?? '-'} | ${r.latest ?? '-'} | ${advisories} |`);
      }
      out.push('');
    }
  }
  const toolchains = result.toolchains;
  if (toolchains && (toolchains.findings.length > 0 || toolchains.notChecked.length > 0)) {
    out.push('### Toolchains and base images', '');
    if (toolchains.latestStable) out.push(`Latest stable Rust: ${toolchains.latestStable.version} (${toolchains.latestStable.date}).`, '');
    for (const f of toolchains.findings) out.push(`- ${f.flagged ? ':arrow_up: ' : ''}${cell(f.message)}`);
    for (const n of toolchains.notChecked) out.push(`- Not checked: ${cell(n.reason)}`);
    out.push('');
  }
  return out;
}
