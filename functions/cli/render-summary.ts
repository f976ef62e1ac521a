// The one-screen summary a run ends with: a row per repository, worst first. `cratewatch scan`
// renders it from full results, `cratewatch invoke` from scan-repo's small outcomes; a column
// an outcome does not carry shows a dash (and the coverage columns are left out when no row
// knows them). What the checks could not see is said, never left silent: packages not
// covered, index lookups that failed, hosts that could not be reached, and an advisory
// database past its age limit.
import { coverageOf, indexWasAsked, type Counts, type ScanResult, type StaleAdvisoryDb } from '../core/result.ts';
import type { UnreachableSource } from '../wiring/scan-sources.ts';
import type { RepoOutcome } from './invoke-payloads.ts';
import { plural } from './render-text.ts';

const ORDER = ['error', 'failing', 'warnings', 'scanned-nothing', 'clean'];

/** One repository's row; null where the source of the row does not know. */
export interface SummaryTableRow {
  name: string;
  status: string;
  counts: Counts | null;
  newFindings: number | null;
  resolvedFindings: number | null;
  outdated: number | null;
  /** Locked packages the checks do not cover, and of them the index lookups that failed; null when unknown. */
  notCovered?: number | null;
  indexFailed?: number | null;
  /** Pinning findings, and toolchain pins and base images flagged for an update; null (or absent) when not checked. */
  pinning?: number | null;
  toolchains?: number | null;
  errors: string[];
  /** Lines said under the table about this repository (not errors: the scan went on). */
  notes?: string[];
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function paintStatus(status: string, text: string, color: boolean): string {
  if (!color) return text;
  const code = status === 'error' || status === 'failing' || status === 'incomplete' ? 31 : status === 'warnings' || status === 'scanned-nothing' ? 33 : 32;
  return `\u001b[${code}m${text}\u001b[0m`;
}

const cell = (value: number | null | undefined) => (value === null || value === undefined ? '-' : String(value));

/**
 * Renders the summary table; `color` paints the status column. `warnings` (a stale advisory
 * database) are said under it, each on a line starting `warning:`; `notChecked` (sources
 * that could not be reached) last, each on a line starting `not checked:`.
 */
export function renderSummaryTable(input: readonly SummaryTableRow[], options: { color: boolean; warnings?: readonly string[]; notChecked?: readonly string[] }): string {
  const rows = [...input].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.name.localeCompare(b.name));
  const coverage = rows.some((r) => r.notCovered !== undefined && r.notCovered !== null);
  // Shown only when some repository has one: most portfolios keep their screen.
  const some = (pick: (r: SummaryTableRow) => number | null | undefined) => rows.some((r) => (pick(r) ?? 0) > 0);
  const pins = some((r) => r.pinning);
  const tools = some((r) => r.toolchains);
  const header = ['repository', 'status', 'crit', 'high', 'med', 'low', 'unsc', 'info', 'new', 'fixed', 'outdated', 'dups', ...(pins ? ['pins'] : []), ...(tools ? ['tools'] : []), ...(coverage ? ['uncovered', 'unreached'] : [])];
  const table = rows.map((r) => {
    const s = r.counts?.bySeverity;
    const values = [
      r.name, r.status, s?.critical, s?.high, s?.medium, s?.low, s?.unscored, s?.informational, r.newFindings, r.resolvedFindings, r.outdated, r.counts?.duplicates,
      ...(pins ? [r.pinning] : []), ...(tools ? [r.toolchains] : []), ...(coverage ? [r.notCovered, r.indexFailed] : []),
    ];
    return values.map((v, i) => (i < 2 ? String(v) : cell(v as number | null | undefined)));
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const lines = [header.map((h, i) => pad(h, widths[i]!)).join('  ')];
  for (const row of table) lines.push(row.map((text, i) => (i === 1 ? paintStatus(text, pad(text, widths[i]!), options.color) : pad(text, widths[i]!))).join('  ').trimEnd());
  for (const r of rows) for (const error of r.errors) lines.push(`${r.name}: ${error}`);
  for (const r of rows) for (const note of r.notes ?? []) lines.push(`${r.name}: ${note}`);
  const counts = (status: string) => rows.filter((r) => r.status === status).length;
  lines.push(`${rows.length} repositories: ${counts('failing')} failing, ${counts('warnings')} with warnings, ${counts('clean')} clean, ${counts('scanned-nothing')} scanned nothing, ${counts('error')} could not be scanned`);
  if (coverage) {
    const total = (pick: (r: SummaryTableRow) => number | null | undefined) => rows.reduce((n, r) => n + (pick(r) ?? 0), 0);
    const failed = total((r) => r.indexFailed);
    lines.push(`${plural(total((r) => r.notCovered), 'package')} not covered by the advisory and index checks${failed > 0 ? `, ${failed} of them because the index could not be reached` : ''}`);
  }
  for (const warning of options.warnings ?? []) lines.push(paintStatus('warnings', `warning: ${warning}`, options.color));
  for (const missed of options.notChecked ?? []) lines.push(paintStatus('incomplete', `not checked: ${missed}`, options.color));
  return `\n${lines.join('\n')}\n`;
}

/** What a stale database means for the results, for the terminal. */
export function describeStaleDb(stale: StaleAdvisoryDb, revision: string): string {
  return (
    `the advisory database (${revision.slice(0, 12)}) was last known current ${stale.ageDays} day${stale.ageDays === 1 ? '' : 's'} ago, over the ${stale.maxAgeDays}-day limit ` +
    '(sources.advisory_db_max_age_days): advisories published since are not checked. Its download failed or the scan ran offline: make sources.advisory_db reachable and scan again'
  );
}

/** Index lookups that failed in a result, as a note: which crates, and whether facts were carried. */
function indexNote(result: ScanResult): string | null {
  const failed = [...new Set(result.lockfiles.flatMap((l) => l.notCovered.filter((n) => n.reason === 'index-failed').map((n) => n.name)))].sort();
  if (failed.length === 0 || result.errors.length > 0) return null;
  const carried = coverageOf(result).carriedIndexFacts;
  const names = failed.length > 5 ? `${failed.slice(0, 5).join(', ')} and ${failed.length - 5} more` : failed.join(', ');
  const kept = carried > 0 ? `; ${plural(carried, 'yanked or outdated fact')} kept from earlier scans` : '';
  return `the index could not be read for ${plural(failed.length, 'crate')} (${names}): not checked for yanked or newer versions this time${kept}`;
}

/** A repository without Cargo.lock, as a note: what its manifests' requirements let in. */
function manifestScanNote(result: ScanResult): string | null {
  const scan = result.manifestScan;
  if (!scan) return null;
  const c = scan.counts;
  return `no Cargo.lock: ${plural(c.requirements, 'requirement')} checked from the manifests, ${c.vulnerable} vulnerable, ${c.maybeVulnerable} maybe vulnerable`;
}

/**
 * What a host the run could not reach left unchecked, for the summary: e.g.
 * `index.crates.io unreachable (ENOTFOUND): 537 crates not looked up (yanked/outdated not checked)`.
 */
export function describeNotChecked(host: UnreachableSource, results: readonly ScanResult[]): string {
  const parts: string[] = [];
  if (host.roles.includes('index')) {
    const crates = new Set(results.flatMap((r) => r.lockfiles.flatMap((l) => l.notCovered.filter((n) => n.reason === 'index-failed').map((n) => n.name))));
    parts.push(`${plural(crates.size, 'crate')} not looked up (yanked/outdated not checked)`);
  }
  if (host.roles.includes('advisory-db')) {
    const fetchedAt = results.find((r) => r.advisoryDb.fetchedAt !== null)?.advisoryDb.fetchedAt;
    parts.push(`the advisory database not downloaded${fetchedAt ? ` (the copy last known current at ${fetchedAt} was used)` : ''}`);
  }
  const unread = results.filter((r) => host.repositories.includes(r.repository.name) && r.status === 'error').map((r) => r.repository.name);
  if (unread.length > 0) parts.push(`${unread.length === 1 ? '1 repository' : `${unread.length} repositories`} not fetched (${unread.join(', ')})`);
  if (parts.length === 0) parts.push(`${plural(host.failed + host.skipped, 'request')} failed or not sent`);
  return `${host.host} unreachable (${host.reason}): ${parts.join('; ')}`;
}

/** The summary of full results, as `cratewatch scan` prints it; `unreachable` are the hosts the run stopped asking. */
export function renderSummary(results: readonly ScanResult[], options: { color: boolean; unreachable?: readonly UnreachableSource[] }): string {
  return renderSummaryTable(
    results.map((r) => ({ r, coverage: coverageOf(r) })).map(({ r, coverage }) => ({
      name: r.repository.name,
      status: r.status,
      counts: r.counts,
      newFindings: r.diff.new.length,
      resolvedFindings: r.diff.resolved.length,
      // Offline, the index was never asked: a dash, not a reassuring 0.
      outdated: r.lockfiles.length > 0 && r.lockfiles.every((l) => !indexWasAsked(l)) ? null : r.lockfiles.reduce((n, l) => n + l.outdated.length, 0),
      notCovered: coverage.notCovered,
      indexFailed: coverage.indexFailed,
      pinning: r.pinning ? r.pinning.reduce((n, p) => n + p.findings.length, 0) : null,
      toolchains: r.toolchains ? r.toolchains.findings.filter((f) => f.flagged).length : null,
      errors: [...r.errors, ...r.lockfiles.flatMap((l) => l.errors.map((e) => e.message))],
      notes: [indexNote(r), manifestScanNote(r)].filter((n): n is string => n !== null),
    })),
    {
      color: options.color,
      warnings: [...new Set(results.flatMap((r) => (r.advisoryDb.stale ? [describeStaleDb(r.advisoryDb.stale, r.advisoryDb.revision)] : [])))],
      notChecked: [
        ...(results.some((r) => r.lockfiles.some((l) => !indexWasAsked(l))) ? ['yanked and outdated crates (offline: the crates.io index was not asked)'] : []),
        ...(options.unreachable ?? []).map((host) => describeNotChecked(host, results)),
      ],
    },
  );
}

/** The summary of scan-repo outcomes, as `cratewatch invoke --repo` prints it. */
export function renderOutcomes(outcomes: readonly RepoOutcome[], options: { color: boolean }): string {
  return renderSummaryTable(
    outcomes.map((o) => ({ name: o.repo, status: o.status, counts: o.counts, newFindings: o.newFindings, resolvedFindings: o.resolvedFindings, outdated: null, errors: o.error === null ? [] : [o.error] })),
    options,
  );
}
