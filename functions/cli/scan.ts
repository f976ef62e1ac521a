// `cratewatch scan`: every repository of cratewatch.toml, on this machine, results in a
// local folder, alerts on the terminal. The composition root of the embedded mode.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConsoleAlerter } from '../adapters/console-alerter.ts';
import { FsObjectStore } from '../adapters/fs-object-store.ts';
import { ConfigErrors, filterRepositories, loadConfig, type Config } from '../app/config.ts';
import { ObjectCompiledAdvisoryDbCache } from '../app/compiled-advisory-db.ts';
import { ObjectHttpCache } from '../app/object-http-cache.ts';
import { ResultStore } from '../app/result-store.ts';
import { TOOL_VERSION } from '../app/version.ts';
import { runScan, type RunStatus } from '../app/scan-pipeline.ts';
import { AdvisoryDbError, errorMessage } from '../core/errors.ts';
import { buildScanSources, describeSourceDown } from '../wiring/scan-sources.ts';
import type { CommandIo } from './audit.ts';
import { useEnvProxy } from './env-proxy.ts';
import { renderSummary } from './render-summary.ts';
import { buildReport } from './report.ts';
import { countingIndex, ScanProgress } from './scan-progress.ts';
import { EXIT, UsageError } from './usage-error.ts';

export const SCAN_HELP = `Usage: cratewatch scan [options]

Scans every repository in the configuration: fetches its Cargo.lock files, audits them
against the RustSec database and the crates.io index, writes results to the output folder,
prints alerts for new findings at or above the threshold, then a summary.

Options:
  --config FILE   the configuration (default: cratewatch.toml)
  --out DIR       where results and caches go (default: .cratewatch)
  --repo NAME     scan only this repository (repeatable)
  --offline       never use the network: cached advisory database, no index,
                  local repositories only
  --no-report     do not rebuild the report site (DIR/site) after the scan
  -h, --help      show this help

Exit codes: 0 clean, 1 findings fail the policy, 2 configuration or usage error,
3 some repositories (or the advisory database, or alerts) could not be handled, or
a source (the index, the advisory database, a repository host) could not be reached.
`;

const EXIT_NOT_SCANNED = 3;
const EXIT_FOR: Record<RunStatus, number> = { clean: 0, failing: 1, incomplete: EXIT_NOT_SCANNED };

/**
 * Whether the run that claimed alerts (`host:pid`) is still alive: a run killed mid-delivery
 * on this machine frees its alerts for the next run at once. Unknown for other machines.
 */
function localOwnerAlive(owner: string): boolean | undefined {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return undefined;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readConfig(path: string, env: NodeJS.ProcessEnv): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the configuration ${path}: ${errorMessage(error)} (pass --config FILE; cratewatch.example.toml is a start)`);
  }
  try {
    return loadConfig(text, path, { GITHUB_TOKEN: env.GITHUB_TOKEN, GITLAB_TOKEN: env.GITLAB_TOKEN });
  } catch (error) {
    if (error instanceof ConfigErrors) throw new UsageError(error.message);
    throw error;
  }
}

/** Runs `cratewatch scan`; resolves to the exit code. */
export async function runScanCommand(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', default: 'cratewatch.toml' },
      out: { type: 'string', default: '.cratewatch' },
      repo: { type: 'string', multiple: true, default: [] },
      offline: { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(SCAN_HELP);
    return EXIT.ok;
  }
  const config = await readConfig(values.config, io.env);
  // HTTPS_PROXY and friends, without NODE_USE_ENV_PROXY=1 (a no-op when cratewatch.ts did it already).
  const proxy = useEnvProxy(io.env);
  if (proxy.warning) io.stderr.write(`warning: ${proxy.warning}\n`);
  let repositories = config.repositories;
  if (values.repo.length > 0) {
    try {
      repositories = filterRepositories(config, values.repo);
    } catch (error) {
      if (error instanceof ConfigErrors) throw new UsageError(error.message);
      throw error;
    }
  }
  const base = dirname(resolve(values.config));
  repositories = repositories.map((r) => (r.location.kind === 'path' && !isAbsolute(r.location.path) ? { ...r, location: { kind: 'path', path: resolve(base, r.location.path) } } : r));

  const objects = new FsObjectStore(values.out);
  const store = new ResultStore(objects);
  const cache = new ObjectHttpCache(objects, () => new Date());
  const progress = new ScanProgress(io, repositories.length);
  const sources = buildScanSources(config, {
    cache,
    compiled: new ObjectCompiledAdvisoryDbCache(objects, { producer: TOOL_VERSION, warn: (m) => progress.line(`warning: ${m}`) }),
    offline: values.offline,
    baseDir: base,
    warn: (m) => progress.line(`warning: ${m}`),
    // Once per host, however many requests it would have had.
    onHostDown: (host) => progress.line(`warning: ${describeSourceDown(host)}`),
  });
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR;

  let outcome;
  try {
    outcome = await runScan(
      { repositories, configured: config.repositories, alerts: config.alerts, concurrency: config.concurrency, advisoryDbMaxAgeDays: config.sources.advisoryDbMaxAgeDays },
      {
        ...sources,
        index: sources.index && countingIndex(sources.index, progress.index, progress.onIndex),
        store,
        cache,
        alerter: new ConsoleAlerter({ write: (text) => io.stdout.write(text), color, siteUrl: config.site.url }),
        now: io.now,
        onEvent: progress.onEvent,
        owner: `${hostname()}:${process.pid}`,
        ownerAlive: localOwnerAlive,
      },
    );
  } catch (error) {
    progress.end();
    // Nothing could be scanned: that is exit 3, not a usage error.
    if (!(error instanceof AdvisoryDbError)) throw error;
    io.stderr.write(`cratewatch: ${error.message}\n`);
    return EXIT_NOT_SCANNED;
  }
  progress.end();
  const unreachable = sources.unreachable();
  io.stdout.write(renderSummary(outcome.results, { color, unreachable }));
  io.stdout.write(`results in ${resolve(values.out, 'results')}\n`);
  if (outcome.alertFailure) io.stderr.write(`error: ${outcome.alertFailure}\n`);
  for (const problem of outcome.problems) io.stderr.write(`error: ${problem}\n`);
  // A source that could not be reached left checks undone: never the exit of a clean (or merely failing) scan.
  const exitCode = unreachable.length > 0 ? EXIT_NOT_SCANNED : EXIT_FOR[outcome.status];
  if (values['no-report']) return exitCode;
  try {
    const site = await buildReport(values.out);
    io.stdout.write(`report in ${resolve(site, 'index.html')}\n`);
  } catch (error) {
    // The results are written; only the site is missing. `cratewatch report` retries it.
    io.stderr.write(`error: the report site could not be built: ${errorMessage(error)}\n`);
    return EXIT_NOT_SCANNED;
  }
  return exitCode;
}
