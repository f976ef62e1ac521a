// The one-screen summary a run ends with: a row per repository, worst first. `cratewatch scan`
// renders it from full results, `cratewatch invoke` from scan-repo's small outcomes; a column
// an outcome does not carry shows a dash.
import type { Counts, ScanResult } from '../core/result.ts';
import type { RepoOutcome } from './invoke-payloads.ts';

const ORDER = ['error', 'failing', 'warnings', 'scanned-nothing', 'clean'];

/** One repository's row; null where the source of the row does not know. */
export interface SummaryTableRow {
  name: string;
  status: string;
  counts: Counts | null;
  newFindings: number | null;
  resolvedFindings: number | null;
  outdated: number | null;
  errors: string[];
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

/** Renders the summary table; `color` paints the status column. */
export function renderSummaryTable(input: readonly SummaryTableRow[], options: { color: boolean }): string {
  const rows = [...input].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.name.localeCompare(b.name));
  const header = ['repository', 'status', 'crit', 'high', 'med', 'low', 'unsc', 'info', 'new', 'fixed', 'outdated', 'dups'];
  const table = rows.map((r) => {
    const s = r.counts?.bySeverity;
    return [r.name, r.status, s?.critical, s?.high, s?.medium, s?.low, s?.unscored, s?.informational, r.newFindings, r.resolvedFindings, r.outdated, r.counts?.duplicates].map((v, i) => (i < 2 ? String(v) : cell(v as number | null | undefined)));
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const lines = [header.map((h, i) => pad(h, widths[i]!)).join('  ')];
  for (const row of table) lines.push(row.map((text, i) => (i === 1 ? paintStatus(text, pad(text, widths[i]!), options.color) : pad(text, widths[i]!))).join('  ').trimEnd());
  for (const r of rows) for (const error of r.errors) lines.push(`${r.name}: ${error}`);
  const counts = (status: string) => rows.filter((r) => r.status === status).length;
  lines.push(`${rows.length} repositories: ${counts('failing')} failing, ${counts('warnings')} with warnings, ${counts('clean')} clean, ${counts('scanned-nothing')} scanned nothing, ${counts('error')} could not be scanned`);
  return `\n${lines.join('\n')}\n`;
}

/** The summary of full results, as `cratewatch scan` prints it. */
export function renderSummary(results: readonly ScanResult[], options: { color: boolean }): string {
  return renderSummaryTable(
    results.map((r) => ({
      name: r.repository.name,
      status: r.status,
      counts: r.counts,
      newFindings: r.diff.new.length,
      resolvedFindings: r.diff.resolved.length,
      outdated: r.lockfiles.reduce((n, l) => n + l.outdated.length, 0),
      errors: [...r.errors, ...r.lockfiles.flatMap((l) => l.errors.map((e) => e.message))],
    })),
    options,
  );
}

/** The summary of scan-repo outcomes, as `cratewatch invoke --repo` prints it. */
export function renderOutcomes(outcomes: readonly RepoOutcome[], options: { color: boolean }): string {
  return renderSummaryTable(
    outcomes.map((o) => ({ name: o.repo, status: o.status, counts: o.counts, newFindings: o.newFindings, resolvedFindings: o.resolvedFindings, outdated: null, errors: o.error === null ? [] : [o.error] })),
    options,
  );
}
