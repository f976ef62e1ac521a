// The one-line summary of a whole cloud run, as `cratewatch invoke` prints it.
import type { ScanSummary } from './invoke-payloads.ts';
import { paintStatus } from './render-summary.ts';

/** A whole run's summary, e.g. "scan failing: 12 repositories, 2 alerts delivered". */
export function renderScanSummary(summary: ScanSummary, options: { color: boolean }): string {
  const alerts = `${summary.alertsDelivered} alert${summary.alertsDelivered === 1 ? '' : 's'} delivered`;
  const meaning =
    summary.status === 'failing' ? ' (findings fail the policy)' : summary.status === 'incomplete' ? ' (some repositories could not be scanned; their errors are in the report)' : '';
  return `scan ${paintStatus(summary.status, summary.status, options.color)}: ${summary.repositories} repositories, ${alerts}${meaning}\n`;
}
