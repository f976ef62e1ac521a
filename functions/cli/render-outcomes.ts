// What `cratewatch invoke` prints: a summary table from scan-repo's small outcomes (the
// same rows and closing line as `cratewatch scan`, minus what only the full result holds),
// and the one-paragraph summary of a whole cloud run.
import type { RepoOutcome, ScanSummary } from './invoke-payloads.ts';

const ORDER = ['error', 'failing', 'warnings', 'scanned-nothing', 'clean'];

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function paint(status: string, text: string, color: boolean): string {
  if (!color) return text;
  const code = status === 'error' || status === 'failing' || status === 'incomplete' ? 31 : status === 'warnings' || status === 'scanned-nothing' ? 33 : 32;
  return `\u001b[${code}m${text}\u001b[0m`;
}

/** The table of repository outcomes, worst first; a repository without counts shows dashes. */
export function renderOutcomes(outcomes: readonly RepoOutcome[], options: { color: boolean }): string {
  const rows = [...outcomes].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.repo.localeCompare(b.repo));
  const header = ['repository', 'status', 'crit', 'high', 'med', 'low', 'unsc', 'info', 'findings', 'ignored', 'dups'];
  const table = rows.map((r) => {
    const c = r.counts;
    const cells = c ? [c.bySeverity.critical, c.bySeverity.high, c.bySeverity.medium, c.bySeverity.low, c.bySeverity.unscored, c.bySeverity.informational, c.findings, c.ignored, c.duplicates].map(String) : Array<string>(9).fill('-');
    return [r.repo, r.status, ...cells];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const lines = [header.map((h, i) => pad(h, widths[i]!)).join('  ')];
  for (const row of table) lines.push(row.map((cell, i) => (i === 1 ? paint(cell, pad(cell, widths[i]!), options.color) : pad(cell, widths[i]!))).join('  ').trimEnd());
  for (const r of rows) if (r.error !== null) lines.push(`${r.repo}: ${r.error}`);
  const counts = (status: string) => outcomes.filter((r) => r.status === status).length;
  lines.push(
    `${outcomes.length} repositories: ${counts('failing')} failing, ${counts('warnings')} with warnings, ${counts('clean')} clean, ${counts('scanned-nothing')} scanned nothing, ${counts('error')} could not be scanned`,
  );
  return `\n${lines.join('\n')}\n`;
}

/** A whole run's summary, e.g. "scan failing: 12 repositories, 2 alerts delivered". */
export function renderScanSummary(summary: ScanSummary, options: { color: boolean }): string {
  const alerts = `${summary.alertsDelivered} alert${summary.alertsDelivered === 1 ? '' : 's'} delivered`;
  const meaning =
    summary.status === 'failing' ? ' (findings fail the policy)' : summary.status === 'incomplete' ? ' (some repositories could not be scanned; their errors are in the report)' : '';
  return `scan ${paint(summary.status, summary.status, options.color)}: ${summary.repositories} repositories, ${alerts}${meaning}\n`;
}
