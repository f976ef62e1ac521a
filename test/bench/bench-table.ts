// The one table `npm run bench` prints: every figure in a section, with its unit and, where an
// issue set one, its target and whether it was met. A missed target is shown, never thrown.
// Rendered as a Markdown table (readable in a terminal, pasted as is into the README) and
// kept as JSON.
import { availableParallelism, cpus, totalmem } from 'node:os';

/** Sections several benches write to; they close the table, in this order. */
export const SECOND_RUN = 'Second run, nothing changed: what it still transfers (bytes counted both ways, headers included)';
export const PEAK_RSS = 'Peak RSS (MB = 10^6 bytes)';
export const SITE_BUILD = 'Site build';
const TRAILING = [SECOND_RUN, PEAK_RSS];
/** Text values longer than this are written beside the figure's name. */
const LONG_TEXT = 30;

export interface Figure {
  section: string;
  name: string;
  /** A number, or text for a figure that is not one (what the runs ended with). */
  value: number | string;
  unit: string;
  /** The figure must stay at or under this (in `unit`). */
  target?: number;
  /** Which issue set the target, e.g. "issue 3". */
  targetFrom?: string;
  met?: boolean;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Where figures go: one section of the table. */
export interface Section {
  figure(name: string, value: number, unit: string, target?: { max: number; from: string }): void;
  /** A figure that is text, e.g. "100 failing". */
  text(name: string, value: string): void;
}

export function machine(): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Three significant figures at most, no exponent: 0.382, 5.01, 74.8, 2001. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export class BenchTable {
  readonly figures: Figure[] = [];
  private readonly order: string[] = [];
  /** Called with each figure as it is recorded (progress on a long run). */
  onFigure: ((figure: Figure) => void) | undefined;

  /** The section named `title`; sections render in the order they were first asked for. */
  section(title: string): Section {
    if (!this.order.includes(title)) this.order.push(title);
    const push = (figure: Figure) => {
      this.figures.push(figure);
      this.onFigure?.(figure);
    };
    return {
      figure: (name, value, unit, target) => {
        const figure: Figure = { section: title, name, value, unit };
        if (target) Object.assign(figure, { target: target.max, targetFrom: target.from, met: value <= target.max });
        push(figure);
      },
      text: (name, value) => push({ section: title, name, value, unit: '' }),
    };
  }

  get missed(): Figure[] {
    return this.figures.filter((f) => f.met === false);
  }

  /** A Markdown table: a bold row per section, then its figures; missed targets marked. */
  render(): string {
    const rows: [string, string, string][] = [];
    const titles = [...this.order.filter((t) => !TRAILING.includes(t)), ...TRAILING];
    for (const title of titles) {
      const figures = this.figures.filter((f) => f.section === title);
      if (figures.length === 0) continue;
      rows.push([`**${title}**`, '', '']);
      for (const f of figures) {
        const target = f.target === undefined ? '' : `≤ ${formatNumber(f.target)} ${f.unit} (${f.targetFrom})${f.met ? '' : ' **MISSED**'}`;
        if (typeof f.value === 'number') rows.push([f.name, `${formatNumber(f.value)}${f.unit ? ` ${f.unit}` : ''}`, target]);
        // A long text (a note, an error) goes beside the name, so the value column stays narrow.
        else if (f.value.length > LONG_TEXT) rows.push([`${f.name}: ${f.value}`, '', target]);
        else rows.push([f.name, f.value, target]);
      }
    }
    const header: [string, string, string] = ['Figure', 'Value', 'Target'];
    const widths = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
    const rule = `| ${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
    return [line(header), rule, ...rows.map(line)].join('\n');
  }

  toJSON(): { figures: Figure[] } {
    return { figures: this.figures };
  }
}

/** For a bench module run by itself: record into a table and print it at the end. */
export async function runAlone(title: string, bench: (table: BenchTable) => Promise<void>): Promise<void> {
  const table = new BenchTable();
  table.onFigure = (f) => process.stderr.write(`  ${f.name}: ${typeof f.value === 'number' ? `${formatNumber(f.value)} ${f.unit}` : f.value}\n`);
  process.stderr.write(`${title}\n`);
  await bench(table);
  console.log(table.render());
}
