// Alerts on the terminal: the embedded default, where a person runs the scan and reads them.
// Each alert reads as in the SNS message (one formatter in core), so the two never drift.
import { formatAlert, sortAlerts } from '../core/alert-message.ts';
import type { Alert, Alerter } from '../core/ports.ts';

export interface ConsoleAlerterOptions {
  write: (text: string) => void;
  color: boolean;
  /** The report site's public address (`[site] url`), for a link to each finding; none when absent or null. */
  siteUrl?: string | null;
}

/** Prints each new finding at or above the threshold, most severe first. */
export class ConsoleAlerter implements Alerter {
  private readonly options: ConsoleAlerterOptions;

  constructor(options: ConsoleAlerterOptions) {
    this.options = options;
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const bold = (text: string) => (this.options.color ? `\u001b[1;31m${text}\u001b[0m` : text);
    const lines = [bold(`ALERT: ${alerts.length} new finding${alerts.length === 1 ? '' : 's'} at or above the threshold`)];
    sortAlerts(alerts).forEach((alert, i) => {
      lines.push(...formatAlert(alert, i + 1, this.options.siteUrl ?? null).map((line) => `  ${line}`));
    });
    this.options.write(`${lines.join('\n')}\n`);
  }
}
