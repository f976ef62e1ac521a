// Small pure helpers every page shares: labels and orders, dates, dependency paths, the
// site's URLs, and the geometry of the build-time charts. No data loading, no markup.
import type { PathStep } from '../../../functions/core/dependency-paths.ts';
import type { TrendPoint } from '../../../functions/core/finding-timeline.ts';
import type { FindingKind } from '../../../functions/core/policy.ts';
import type { Counts, LockfileStatus, ScanResult, StaleAdvisoryDb } from '../../../functions/core/result.ts';
import type { Severity } from '../../../functions/core/severity.ts';

/** Most severe first (the order of `SEVERITIES` in core, kept here so the site does not load the CVSS calculator). */
export const severityOrder: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unscored', 'informational'];

export const severityLabels: Readonly<Record<Severity, string>> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  unscored: 'Unscored',
  informational: 'Informational',
};

export const kindOrder: readonly FindingKind[] = ['vulnerability', 'unmaintained', 'unsound', 'notice', 'yanked'];

export const kindLabels: Readonly<Record<FindingKind, string>> = {
  vulnerability: 'Vulnerability',
  unmaintained: 'Unmaintained',
  unsound: 'Unsound',
  notice: 'Notice',
  yanked: 'Yanked',
};

/** The most severe level with an open finding, or undefined when there is none. */
export function worstSeverity(counts: Pick<Counts, 'bySeverity'>): Severity | undefined {
  return severityOrder.find((s) => counts.bySeverity[s] > 0);
}

/**
 * The classes of a status pill: its status, and for a failing one the worst open severity,
 * so "failing" on one medium finding does not look like "failing" on a critical one.
 *
 * @example statusClass('failing', counts) // 'status status-failing worst-medium'
 */
export function statusClass(status: LockfileStatus, counts: Pick<Counts, 'bySeverity'>): string {
  const worst = status === 'failing' ? worstSeverity(counts) : undefined;
  return `status status-${status}${worst ? ` worst-${worst}` : ''}`;
}

/** Worst first, as `worstStatus` in core ranks them. */
export const statusOrder: readonly LockfileStatus[] = ['error', 'failing', 'warnings', 'scanned-nothing', 'clean'];

export const statusLabels: Readonly<Record<LockfileStatus, string>> = {
  error: 'Error',
  failing: 'Failing',
  warnings: 'Warnings',
  'scanned-nothing': 'Scanned nothing',
  clean: 'Clean',
};

/** The status's place in `statusOrder`: 0 is the worst. */
export function statusRank(status: LockfileStatus): number {
  const rank = statusOrder.indexOf(status);
  return rank === -1 ? statusOrder.length : rank;
}

/**
 * Orders repositories worst first: status, then open findings from the most severe
 * level down, then name. Use it as a `sort` comparator.
 */
export function compareWorstFirst(a: { name: string; status: LockfileStatus; counts: Counts }, b: { name: string; status: LockfileStatus; counts: Counts }): number {
  const byStatus = statusRank(a.status) - statusRank(b.status);
  if (byStatus !== 0) return byStatus;
  for (const severity of severityOrder) {
    const diff = b.counts.bySeverity[severity] - a.counts.bySeverity[severity];
    if (diff !== 0) return diff;
  }
  return a.name.localeCompare(b.name);
}

/**
 * A time or a date for people, in UTC: `2026-11-21T05:55:18.219Z` gives
 * `2026-11-21 05:55 UTC`; a plain date (`2099-01-10`) stays as it is; null gives `—`.
 */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(iso);
  if (!match) return iso;
  return match[2] ? `${match[1]} ${match[2]} UTC` : match[1]!;
}

/** The date part only: `2026-11-21T05:55:18Z` gives `2026-11-21`. */
export function formatDay(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(iso)?.[0] ?? iso;
}

/** A dependency path as text, root first: `my-app 0.1.0 → reqwest 0.11.27 → hyper 0.14.27`. */
export function pathText(steps: readonly PathStep[]): string {
  return steps.map((s) => `${s.name} ${s.version}`).join(' → ');
}

const CRATES_IO = new Set(['registry+https://github.com/rust-lang/crates.io-index', 'sparse+https://index.crates.io/']);

/**
 * Where a locked package comes from, short: `crates.io`, `path` (no source), `git
 * https://github.com/o/r` (query and commit dropped), or the other registry's URL.
 */
export function sourceText(source: string | null): string {
  if (source === null) return 'path';
  if (CRATES_IO.has(source)) return 'crates.io';
  if (source.startsWith('git+')) return `git ${source.slice(4).replace(/[?#].*$/, '')}`;
  return source.replace(/^(registry|sparse)\+/, '');
}

/** True for the crates.io registry, in either protocol's spelling. */
export function isCratesIo(source: string | null): boolean {
  return source !== null && CRATES_IO.has(source);
}

/** `1 finding`, `2 findings`; pass the plural when it is not the singular plus `s`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** A stale advisory database for people: `last known current 9 days ago, over the 7-day limit`. */
export function staleDbText(stale: StaleAdvisoryDb): string {
  return `last known current ${plural(stale.ageDays, 'day')} ago, over the ${stale.maxAgeDays}-day limit`;
}

/** Splits text on backticks into plain and code runs, for titles like "Overflow in `hyper`". Render each run as text. */
export function codeSpans(text: string): { code: boolean; text: string }[] {
  const parts = text.split('`');
  // An odd number of backticks: show the text as it is rather than guess.
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((part, i) => ({ code: i % 2 === 1, text: part })).filter((p) => p.text !== '');
}

/**
 * Where to read about an advisory alias: CVE records and GitHub advisories have stable
 * addresses; undefined for anything else.
 *
 * @example aliasHref('CVE-2099-10001') // 'https://www.cve.org/CVERecord?id=CVE-2099-10001'
 */
export function aliasHref(alias: string): string | undefined {
  if (/^CVE-\d{4}-\d+$/.test(alias)) return `https://www.cve.org/CVERecord?id=${alias}`;
  if (/^GHSA(-[a-z0-9]{4}){3}$/.test(alias)) return `https://github.com/advisories/${alias}`;
  return undefined;
}

/** The URL when it is http(s), else undefined: advisory links are untrusted and must never be `javascript:`. */
export function safeHref(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function siteBase(): string {
  // `import.meta.env` is Vite's (the site build); elsewhere, as in plain Node, it is absent.
  const base: string = import.meta.env?.BASE_URL ?? '/';
  return base.endsWith('/') ? base : `${base}/`;
}

/** The overview page. */
export function homeUrl(): string {
  return siteBase();
}

/** `/fixes/`: every upgrade ranked across the portfolio, with every place it applies to. */
export function fixesUrl(): string {
  return `${siteBase()}fixes/`;
}

/** `/repos/<name>/`, the bookmarkable repository page. */
export function repoUrl(name: string): string {
  return `${siteBase()}repos/${encodeURIComponent(name)}/`;
}

/** `/repos/<name>/latest.json`, the repository's latest result as the scanner wrote it. */
export function rawJsonUrl(name: string): string {
  return `${siteBase()}repos/${encodeURIComponent(name)}/latest.json`;
}

/**
 * A crate name or advisory id as the one path segment of its page, the same in the page's
 * file name and in every link to it. Real names (letters, digits, `-`, `_`) stay as they are;
 * anything else — a lockfile may name a crate `..`, `a/b` or `<img …>` — becomes `~` and its
 * UTF-8 bytes in hex, which no real name can be, so a page never lands outside its folder.
 *
 * @example pageSegment('serde_json') // 'serde_json'; pageSegment('..') // '~2e2e'
 */
export function pageSegment(name: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(name)) return name;
  return `~${Array.from(new TextEncoder().encode(name), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function advisoryUrl(id: string): string {
  return `${siteBase()}advisories/${pageSegment(id)}/`;
}

export function crateUrl(name: string): string {
  return `${siteBase()}crates/${pageSegment(name)}/`;
}

export function badgeUrl(name: string): string {
  return `${siteBase()}badges/${encodeURIComponent(name)}.svg`;
}

/** One scan's place in a chart: its time and open findings by severity; null counts when the scan read nothing. */
export interface HistoryPoint {
  scannedAt: string;
  status: LockfileStatus;
  /** Null when the scan failed and had no earlier lockfiles to carry: there is nothing to count. */
  counts: Counts | null;
  newFindings: number;
  resolvedFindings: number;
  /** On a portfolio chart: how many repositories the point sums. */
  repositories?: number;
}

/** The portfolio's open findings per day as chart points (`scannedAt` is the day). */
export function trendPoints(trend: readonly TrendPoint[]): HistoryPoint[] {
  return trend.map((t) => ({
    scannedAt: t.day,
    status: 'clean',
    counts: { findings: t.total, ignored: 0, duplicates: 0, bySeverity: t.bySeverity, byKind: { vulnerability: 0, unmaintained: 0, unsound: 0, notice: 0, yanked: 0 } },
    newFindings: 0,
    resolvedFindings: 0,
    repositories: t.repositories,
  }));
}

export function historyPoints(history: readonly ScanResult[]): HistoryPoint[] {
  return history.map((r) => ({
    scannedAt: r.scannedAt,
    status: r.status,
    counts: r.errors.length > 0 && r.lockfiles.length === 0 ? null : r.counts,
    newFindings: r.diff.new.length,
    resolvedFindings: r.diff.resolved.length,
  }));
}

/**
 * SVG polyline points for `values` drawn in a `width` × `height` box (y grows down),
 * scaled so `max` (at least 1) touches the top; null values are skipped. Coordinates
 * are rounded to one decimal to keep the markup small.
 *
 * @example polylinePoints([0, 2, 1], 100, 20) // "0,20 50,0 100,10"
 */
export function polylinePoints(values: readonly (number | null)[], width: number, height: number, max = Math.max(1, ...values.map((v) => v ?? 0))): string {
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return values
    .map((v, i) => (v === null ? null : `${round(i * step)},${round(height - (v / max) * height)}`))
    .filter((p): p is string => p !== null)
    .join(' ');
}

/** Round whole-number axis ticks from 0 to at least `max`, about `count` steps: niceTicks(37) gives [0, 10, 20, 30, 40]. */
export function niceTicks(max: number, count = 4): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(t);
  return ticks;
}
