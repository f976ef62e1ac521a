// The one-screen summary at the end of `cratewatch scan`: a row per repository, worst first.
import type { ScanResult } from '../core/result.ts';

const ORDER = ['error', 'failing', 'warnings', 'scanned-nothing', 'clean'];

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Renders the summary table; `color` paints the status column. */
export function renderSummary(results: readonly ScanResult[], options: { color: boolean }): string {
  const rows = [...results].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.repository.name.localeCompare(b.repository.name));
  const header = ['repository', 'status', 'crit', 'high', 'med', 'low', 'unsc', 'info', 'new', 'fixed', 'outdated', 'dups'];
  const table = rows.map((r) => {
    const s = r.counts.bySeverity;
    const outdated = r.lockfiles.reduce((n, l) => n + l.outdated.length, 0);
    return [r.repository.name, r.status, s.critical, s.high, s.medium, s.low, s.unscored, s.informational, r.diff.new.length, r.diff.resolved.length, outdated, r.counts.duplicates].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const paint = (status: string, text: string) => {
    if (!options.color) return text;
    const code = status === 'error' || status === 'failing' ? 31 : status === 'warnings' || status === 'scanned-nothing' ? 33 : 32;
    return `\u001b[${code}m${text}\u001b[0m`;
  };
  const lines = [header.map((h, i) => pad(h, widths[i]!)).join('  ')];
  for (const row of table) lines.push(row.map((cell, i) => (i === 1 ? paint(cell, pad(cell, widths[i]!)) : pad(cell, widths[i]!))).join('  ').trimEnd());
  for (const r of rows) {
    for (const error of r.errors) lines.push(`${r.repository.name}: ${error}`);
    for (const l of r.lockfiles) for (const e of l.errors) lines.push(`${r.repository.name}: ${e.message}`);
  }
  const counts = (status: string) => results.filter((r) => r.status === status).length;
  lines.push(`${results.length} repositories: ${counts('failing')} failing, ${counts('warnings')} with warnings, ${counts('clean')} clean, ${counts('scanned-nothing')} scanned nothing, ${counts('error')} could not be scanned`);
  return `\n${lines.join('\n')}\n`;
}
