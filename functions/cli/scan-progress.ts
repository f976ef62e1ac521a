// What `cratewatch scan` says on stderr while it works: lines that stay (the database, warnings,
// each repository done) and, on a terminal, one status line redrawn under them with the
// repository being scanned and the index lookups answered so far.
import type { ScanEvent } from '../app/scan-pipeline.ts';
import type { CrateLookup, IndexDependencySource, IndexSource } from '../core/ports.ts';
import type { CommandIo } from './audit.ts';

/** Index lookups so far: distinct crates asked, answered (any way), and of those failed. */
export interface IndexProgress {
  asked: number;
  answered: number;
  failed: number;
}

/**
 * The index, counting its lookups (each crate once, as the index asks each once per run) for
 * the progress line. What else the index answers (the dependency requirements that explain
 * duplicates) passes through uncounted.
 */
export function countingIndex(index: IndexSource, progress: IndexProgress, onChange: () => void): IndexSource {
  const seen = new Set<string>();
  const dependencies = (index as Partial<IndexDependencySource>).dependencyRequirements;
  return {
    ...(dependencies ? { dependencyRequirements: (crate: string, on: string) => dependencies.call(index, crate, on) } : {}),
    lookup(name) {
      const pending = index.lookup(name);
      const key = name.toLowerCase();
      if (seen.has(key)) return pending;
      seen.add(key);
      progress.asked++;
      onChange();
      const settle = (lookup: CrateLookup | undefined) => {
        progress.answered++;
        if (lookup === undefined || lookup.kind === 'failed') progress.failed++;
        onChange();
      };
      pending.then(settle, () => settle(undefined));
      return pending;
    },
  };
}

/** How often, off a terminal, a long index wait is reported: rarely, so logs stay short. */
const LOG_PROGRESS_EVERY_MS = 10_000;
/** How often, on a terminal, the progress line is redrawn at most. */
const REDRAW_EVERY_MS = 100;

/**
 * The scan's stderr: lines that stay (database, warnings, each repository done) and, on a
 * terminal, one status line under them redrawn in place (`scanning mdBook… index: 120/537
 * crates`). Off a terminal only lines that stay, and a progress line at most every 10 s
 * while index lookups are outstanding.
 */
export class ScanProgress {
  readonly index: IndexProgress = { asked: 0, answered: 0, failed: 0 };
  private readonly tty: boolean;
  private done = 0;
  /** Repositories being scanned, oldest first: the status line names the latest. */
  private readonly running: string[] = [];
  private drawn = '';
  private lastDraw = 0;
  private lastLogged = '';
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly io: CommandIo;
  private readonly total: number;

  private readonly now: () => number;

  /** `tty` and `now` for tests: by default, whether stderr is the process's terminal, and the clock. */
  constructor(io: CommandIo, total: number, options: { tty?: boolean; now?: () => number } = {}) {
    this.io = io;
    this.total = total;
    this.now = options.now ?? Date.now;
    this.tty = options.tty ?? (io.stderr === process.stderr && process.stderr.isTTY === true);
    if (!this.tty) {
      this.timer = setInterval(() => this.logIndex(), LOG_PROGRESS_EVERY_MS);
      this.timer.unref();
    }
  }

  /** A line that stays; on a terminal the status line is cleared first and drawn again under it. */
  line(text: string): void {
    if (!this.tty) {
      this.io.stderr.write(`${text}\n`);
      return;
    }
    this.io.stderr.write(`\r\u001b[2K${text}\n${this.drawn}`);
  }

  readonly onEvent = (event: ScanEvent): void => {
    if (event.kind === 'database') {
      this.line(`advisory db ${event.revision}: ${event.advisoryCount} advisories${event.skipped ? `, ${event.skipped} skipped` : ''}`);
    } else if (event.kind === 'index-refreshed') {
      const failed = this.index.failed;
      if (event.crates > 0) this.line(failed === 0 ? `index: ${event.crates} crates refreshed` : `index: ${event.crates} crates asked, ${failed} could not be looked up`);
    } else if (event.kind === 'warning') {
      this.line(`warning: ${event.message}`);
    } else if (event.kind === 'repository-done') {
      this.done++;
      const at = this.running.indexOf(event.name);
      if (at >= 0) this.running.splice(at, 1);
      const r = event.result;
      const detail = event.outcome.error ?? `${r.counts.findings} findings, ${r.diff.new.length} new`;
      const line = `[${this.done}/${this.total}] ${event.name}: ${event.outcome.status} (${detail})`;
      this.drawn = this.statusText();
      this.line(this.tty ? line : `scan: ${line}`);
    } else {
      this.running.push(event.name);
      this.draw(true);
    }
  };

  /** The index counts changed. */
  readonly onIndex = (): void => this.draw(this.index.answered === this.index.asked);

  /** Clears the status line and stops the timer. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty && this.drawn !== '') this.io.stderr.write('\r\u001b[2K');
    this.drawn = '';
  }

  private draw(force: boolean): void {
    if (!this.tty) return;
    const now = this.now();
    if (!force && now - this.lastDraw < REDRAW_EVERY_MS) return;
    const text = this.statusText();
    if (text === this.drawn) return;
    this.lastDraw = now;
    this.drawn = text;
    this.io.stderr.write(`\r\u001b[2K${text}`);
  }

  private statusText(): string {
    const { asked, answered } = this.index;
    const latest = this.running.at(-1);
    const more = this.running.length > 1 ? ` (+${this.running.length - 1})` : '';
    return [latest === undefined ? '' : `scanning ${latest}…${more}`, answered < asked ? `index: ${answered}/${asked} crates` : ''].filter((t) => t !== '').join(' ');
  }

  private logIndex(): void {
    const { asked, answered } = this.index;
    const text = `scan: index: ${answered}/${asked} crates looked up`;
    if (answered >= asked || text === this.lastLogged) return;
    this.lastLogged = text;
    this.io.stderr.write(`${text}\n`);
  }
}
