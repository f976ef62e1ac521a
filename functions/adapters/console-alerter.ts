// Alerts on the terminal: the embedded default, where a person runs the scan and reads them.
import type { Alert, Alerter } from '../core/ports.ts';

export interface ConsoleAlerterOptions {
  write: (text: string) => void;
  color: boolean;
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
    for (const { repository, lockfile, finding } of alerts) {
      const id = finding.advisory?.id ?? 'yanked';
      const score = finding.advisory?.cvss ? ` (CVSS ${finding.advisory.cvss.score.toFixed(1)})` : '';
      lines.push(`  [${finding.severity}${score}] ${repository} ${lockfile}: ${finding.package.name} ${finding.package.version} ${id}`);
      if (finding.advisory) lines.push(`      ${finding.advisory.title}`);
      lines.push(`      fix: ${finding.fix.command ?? finding.fix.summary}`);
    }
    this.options.write(`${lines.join('\n')}\n`);
  }
}
