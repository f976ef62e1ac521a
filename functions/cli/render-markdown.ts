// A Markdown report of an audit, to paste into a pull request or an issue.
import { rustsecPage } from '../core/advisory.ts';
import { planLockfileFixes, type PackageFix } from '../core/fix-plan.ts';
import { indexWasAsked, platformLimits, type Finding, type LockfileResult, type ScanResult } from '../core/result.ts';
import { INDEX_NOT_CHECKED } from './render-table.ts';
import { findingId, formatPath, plural, notCoveredLines } from './render-text.ts';

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
        const via = f.paths.map((p) => cell(formatPath(p))).join('<br>');
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
    if (lockfile.duplicates.length > 0) {
      out.push('<details><summary>Duplicates</summary>', '', '| Crate | Versions |', '| --- | --- |');
      for (const d of lockfile.duplicates) {
        out.push(`| ${cell(d.name)} | ${d.versions.map((v) => `${v.version} (${cell(v.dependents.map((p) => `${p.name} ${p.version}`).join(', ') || 'root')})`).join('<br>')} |`);
      }
      out.push('', '</details>', '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
