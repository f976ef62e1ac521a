// Everything the site shows, read once at build time from a results folder (the layout
// `cratewatch scan` writes): the summary index, each repository's latest result and its
// history. The result schema is the only thing the site knows about the scanner.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rediffHistory } from '../../../functions/core/diff.ts';
import { REPORT_HISTORY_LIMIT, type AdvisoryInfo, type Finding, type LockfileResult, type ScanResult, type SummaryIndex } from '../../../functions/core/result.ts';


export interface RepoView {
  name: string;
  latest: ScanResult;
  /** Oldest first, the latest included, at most HISTORY_LIMIT. */
  history: ScanResult[];
}

/** Where an advisory or a crate version appears across the portfolio. */
export interface Occurrence {
  repository: string;
  lockfile: string;
  version: string;
  finding?: Finding;
}

/**
 * When and where something was last seen, for an advisory or crate that no repository's
 * latest result has any more but some kept result does: its page stays, so links from the
 * history (resolved findings, the feed) never break.
 */
export interface LastSeen {
  /** The newest kept scan that had it (ISO 8601). */
  scannedAt: string;
  /** The repositories whose scan at that time had it, sorted. */
  repositories: string[];
  /** The versions locked then, sorted. */
  versions: string[];
}

export interface AdvisoryView {
  advisory: AdvisoryInfo;
  /** Where the latest results lock an affected version; empty when `gone`. */
  occurrences: Occurrence[];
  /** A finding of it (the latest one when current): the crate, severity and kind to show. */
  sample: Finding;
  /** Set when no latest result has it any more. */
  gone?: LastSeen;
}

export interface CrateView {
  name: string;
  /** Every locked version, where; empty when `gone`. */
  occurrences: Occurrence[];
  advisories: AdvisoryInfo[];
  /** Set when no latest result locks it any more. */
  gone?: LastSeen;
}

export interface SiteData {
  summary: SummaryIndex;
  repositories: RepoView[];
  advisories: Map<string, AdvisoryView>;
  crates: Map<string, CrateView>;
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function loadRepo(dir: string, name: string): RepoView {
  const latest = readJson<ScanResult>(join(dir, name, 'latest.json'));
  const historyDir = join(dir, name, 'history');
  const files = existsSync(historyDir) ? readdirSync(historyDir).filter((f) => f.endsWith('.json')).sort().slice(-REPORT_HISTORY_LIMIT) : [];
  const history = files.map((f) => readJson<ScanResult>(join(historyDir, f))).sort((a, b) => a.scannedAt.localeCompare(b.scannedAt));
  if (history.length === 0 || history.at(-1)!.scannedAt !== latest.scannedAt) history.push(latest);
  // Diffs by today's finding identity, also for results stored before it dropped the version.
  const rediffed = rediffHistory(name, history);
  return { name, latest: rediffed.at(-1)!, history: rediffed };
}

function allFindings(lockfile: LockfileResult): Finding[] {
  return [...lockfile.findings, ...lockfile.ignored];
}

function index(repositories: readonly RepoView[]): Pick<SiteData, 'advisories' | 'crates'> {
  const advisories = new Map<string, AdvisoryView>();
  const crates = new Map<string, CrateView>();
  for (const repo of repositories) {
    for (const lockfile of repo.latest.lockfiles) {
      for (const finding of allFindings(lockfile)) {
        if (!finding.advisory) continue;
        const view = advisories.get(finding.advisory.id) ?? { advisory: finding.advisory, occurrences: [], sample: finding };
        view.occurrences.push({ repository: repo.name, lockfile: lockfile.path, version: finding.package.version, finding });
        advisories.set(finding.advisory.id, view);
      }
      const versions = new Map<string, Set<string>>();
      for (const pkg of lockfile.packages) (versions.get(pkg.name) ?? versions.set(pkg.name, new Set()).get(pkg.name)!).add(pkg.version);
      for (const [name, locked] of versions) {
        const view = crates.get(name) ?? { name, occurrences: [], advisories: [] };
        for (const version of locked) view.occurrences.push({ repository: repo.name, lockfile: lockfile.path, version });
        for (const f of allFindings(lockfile)) {
          if (f.package.name === name && f.advisory && !view.advisories.some((a) => a.id === f.advisory!.id)) view.advisories.push(f.advisory);
        }
        crates.set(name, view);
      }
    }
  }
  addGone(repositories, advisories, crates);
  return { advisories, crates };
}

/** What an older kept result had: the newest sighting per advisory id and per crate name. */
interface Sighting {
  scannedAt: string;
  repositories: Set<string>;
  versions: Set<string>;
}

function sight(map: Map<string, Sighting>, key: string, scannedAt: string, repository: string, version: string): void {
  const seen = map.get(key);
  if (!seen || seen.scannedAt < scannedAt) {
    map.set(key, { scannedAt, repositories: new Set([repository]), versions: new Set([version]) });
  } else if (seen.scannedAt === scannedAt) {
    seen.repositories.add(repository);
    seen.versions.add(version);
  }
}

function lastSeen(seen: Sighting): LastSeen {
  return { scannedAt: seen.scannedAt, repositories: [...seen.repositories].sort(), versions: [...seen.versions].sort() };
}

/**
 * Adds the advisories and crates of the kept history that no latest result has, marked
 * `gone` with when and where they were last seen: a finding resolved by removing the last
 * use of a crate still links to its pages.
 */
function addGone(repositories: readonly RepoView[], advisories: Map<string, AdvisoryView>, crates: Map<string, CrateView>): void {
  const advisorySeen = new Map<string, Sighting>();
  const samples = new Map<string, { scannedAt: string; finding: Finding }>();
  const crateSeen = new Map<string, Sighting>();
  const crateAdvisories = new Map<string, Map<string, AdvisoryInfo>>();
  for (const repo of repositories) {
    for (const result of repo.history.slice(0, -1)) {
      for (const lockfile of result.lockfiles) {
        for (const finding of allFindings(lockfile)) {
          if (!finding.advisory || advisories.has(finding.advisory.id)) continue;
          sight(advisorySeen, finding.advisory.id, result.scannedAt, repo.name, finding.package.version);
          const sample = samples.get(finding.advisory.id);
          if (!sample || sample.scannedAt <= result.scannedAt) samples.set(finding.advisory.id, { scannedAt: result.scannedAt, finding });
          if (!crates.has(finding.package.name)) {
            const byId = crateAdvisories.get(finding.package.name) ?? crateAdvisories.set(finding.package.name, new Map()).get(finding.package.name)!;
            byId.set(finding.advisory.id, finding.advisory);
          }
        }
        for (const pkg of lockfile.packages) if (!crates.has(pkg.name)) sight(crateSeen, pkg.name, result.scannedAt, repo.name, pkg.version);
      }
    }
  }
  for (const [id, seen] of advisorySeen) {
    const { finding } = samples.get(id)!;
    advisories.set(id, { advisory: finding.advisory!, occurrences: [], sample: finding, gone: lastSeen(seen) });
  }
  for (const [name, seen] of crateSeen) {
    crates.set(name, { name, occurrences: [], advisories: [...(crateAdvisories.get(name)?.values() ?? [])], gone: lastSeen(seen) });
  }
}

let cached: SiteData | undefined;

/**
 * The site's data from `dir` (the `results/` folder), read once per build. The report
 * builder passes the folder in as `import.meta.env.CRATEWATCH_RESULTS_DIR`.
 */
export function loadSiteData(dir: string = import.meta.env.CRATEWATCH_RESULTS_DIR): SiteData {
  if (cached) return cached;
  if (!dir) throw new Error('no results folder: build the site with `cratewatch report` (CRATEWATCH_RESULTS_DIR is unset)');
  const summary = readJson<SummaryIndex>(join(dir, 'index.json'));
  const repositories = summary.repositories.filter((row) => existsSync(join(dir, row.name, 'latest.json'))).map((row) => loadRepo(dir, row.name));
  cached = { summary, repositories, ...index(repositories) };
  return cached;
}
