// Which advisory database `cratewatch audit` reads, as cargo-audit chooses: --db, else
// $CRATEWATCH_DB, else cargo-audit's own checkout when fresh, else the RustSec archive
// downloaded into the cache folder (ETag-checked). Every database is compiled once per revision.
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../adapters/fs-object-store.ts';
import type { HttpClient } from '../adapters/http-client.ts';
import { HttpAdvisoryDbSource, LocalAdvisoryDbSource } from '../adapters/rustsec-archive.ts';
import { ObjectCompiledAdvisoryDbCache } from '../app/compiled-advisory-db.ts';
import { DEFAULT_SOURCES } from '../app/default-sources.ts';
import { ObjectHttpCache } from '../app/object-http-cache.ts';
import { TOOL_VERSION } from '../app/version.ts';
import type { AdvisoryDb } from '../core/advisory.ts';
import { AdvisoryDbError, errorMessage } from '../core/errors.ts';
import type { AdvisorySource, ObjectStore } from '../core/ports.ts';

/** A cargo-audit checkout last fetched longer ago than this is passed over for a download. */
export const CHECKOUT_FRESH_DAYS = 7;
const DAY_MS = 86_400_000;
const URL_LIKE = /^https?:\/\//;

/** Where downloads and compiled databases are cached between runs: $CRATEWATCH_CACHE, else the user's cache folder. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.CRATEWATCH_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'cratewatch');
}

/** cargo-audit's clone of the database: `$CARGO_HOME/advisory-db`, else `~/.cargo/advisory-db`. */
export function cargoAdvisoryDbDir(env: NodeJS.ProcessEnv): string {
  return join(env.CARGO_HOME || join(env.HOME || homedir(), '.cargo'), 'advisory-db');
}

export interface AuditDbOptions {
  /** `--db`: a directory, a `.tar.gz` archive or an http(s) URL of one. */
  db?: string | undefined;
  /** `-n/--no-fetch`: use what is on disk (the cached download or the cargo-audit checkout), never download. */
  noFetch: boolean;
  /** `--offline`: the same, for the database. */
  offline: boolean;
  /** Read for CRATEWATCH_DB, CRATEWATCH_DB_URL, CRATEWATCH_CACHE, XDG_CACHE_HOME, CARGO_HOME and HOME. */
  env: NodeJS.ProcessEnv;
  now: () => Date;
  http: HttpClient;
  warn: (line: string) => void;
}

export interface AuditDb {
  db: AdvisoryDb;
  /** The path or URL it came from, for the result. */
  location: string;
  /** Each place looked at before it, with why it was passed over. */
  tried: string[];
}

/** cargo-audit's checkout: whether it is there and when it was last fetched. */
interface Checkout {
  path: string;
  /** Undefined when there is no database there. */
  fetchedAt: Date | undefined;
}

/**
 * When the checkout was last fetched or checked out: the newest time among `.git` itself (a
 * fetch or checkout renames files into it: FETCH_HEAD, index, ORIG_HEAD), `.git/FETCH_HEAD`,
 * `HEAD`, `packed-refs` and the ref HEAD names; a folder without `.git` by its own time.
 */
async function inspectCheckout(path: string): Promise<Checkout> {
  const mtime = (p: string) => stat(p).then((s) => s.mtime, () => undefined);
  const crates = await stat(join(path, 'crates')).catch(() => undefined);
  if (!crates?.isDirectory()) return { path, fetchedAt: undefined };
  const git = join(path, '.git');
  const candidates = [git, join(git, 'FETCH_HEAD'), join(git, 'HEAD'), join(git, 'packed-refs')];
  const head = await readFile(join(git, 'HEAD'), 'utf8').catch(() => '');
  const ref = /^ref:\s*(refs\/\S+)/.exec(head)?.[1];
  if (ref !== undefined && !ref.split('/').includes('..')) candidates.push(join(git, ref));
  const times = (await Promise.all(candidates.map(mtime))).filter((t) => t !== undefined);
  return { path, fetchedAt: times.length > 0 ? new Date(Math.max(...times.map((t) => t.getTime()))) : await mtime(path) };
}

function daysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

/** A source for a path or URL given by the user. */
function sourceFor(location: string, options: AuditDbOptions, objects: ObjectStore, compiled: ObjectCompiledAdvisoryDbCache): AdvisorySource {
  if (!URL_LIKE.test(location)) return new LocalAdvisoryDbSource(location, { compiled });
  return new HttpAdvisoryDbSource({
    url: location,
    http: options.http,
    cache: new ObjectHttpCache(objects, options.now),
    now: options.now,
    offline: options.noFetch || options.offline,
    warn: options.warn,
    compiled,
  });
}

/**
 * Loads the advisory database for `cratewatch audit`, from the first of:
 * 1. `--db`, else `$CRATEWATCH_DB` (a directory, `.tar.gz` or URL): only that, its error as is;
 * 2. cargo-audit's checkout (`$CARGO_HOME/advisory-db`, `~/.cargo/advisory-db`) fetched in the last 7 days;
 * 3. `$CRATEWATCH_DB_URL`, else the RustSec archive, downloaded into {@link cacheDir} and asked
 *    for again with its ETag (with `noFetch`/`offline`: the cached copy only);
 * 4. the checkout however old, with a warning (offline, it is preferred to an older cached download).
 * Throws AdvisoryDbError listing every place tried, and why each failed, when none loads.
 *
 * @example
 * const { db, location } = await loadAuditDb({ db: values.db, noFetch: values['no-fetch'], offline: values.offline, env: io.env, now: io.now, http, warn: (line) => io.stderr.write(`warning: ${line}\n`) });
 */
export async function loadAuditDb(options: AuditDbOptions): Promise<AuditDb> {
  const { env, now, warn } = options;
  const objects = new FsObjectStore(cacheDir(env));
  const compiled = new ObjectCompiledAdvisoryDbCache(objects, { producer: TOOL_VERSION, warn });
  const explicit = options.db ?? (env.CRATEWATCH_DB || undefined);
  if (explicit !== undefined) {
    const source = sourceFor(explicit, options, objects, compiled);
    return { db: await source.load(), location: source.location, tried: [] };
  }

  const tried: string[] = [];
  const attempt = async (source: AdvisorySource): Promise<AdvisoryDb | undefined> => {
    try {
      return await source.load();
    } catch (error) {
      tried.push(`${source.location}: ${errorMessage(error).replace(`${source.location}: `, '')}`);
      return undefined;
    }
  };
  const noNetwork = options.noFetch || options.offline;
  const checkout = await inspectCheckout(cargoAdvisoryDbDir(env));
  const checkoutSource = new LocalAdvisoryDbSource(checkout.path, { compiled });
  const age = checkout.fetchedAt && daysBetween(checkout.fetchedAt, now());
  if (age === undefined) {
    tried.push(`${checkout.path}: no cargo-audit checkout there`);
  } else if (age < CHECKOUT_FRESH_DAYS) {
    const db = await attempt(checkoutSource);
    if (db) return { db, location: checkout.path, tried };
  } else {
    tried.push(`${checkout.path}: last fetched ${age} days ago, more than ${CHECKOUT_FRESH_DAYS}`);
  }

  const url = env.CRATEWATCH_DB_URL || DEFAULT_SOURCES.advisoryDb;
  const download = sourceFor(url, options, objects, compiled);
  const downloaded = await attempt(download);
  const staleCheckout = age !== undefined && age >= CHECKOUT_FRESH_DAYS;
  // Offline, an old checkout still beats a cached download older than it.
  const checkoutNewer = staleCheckout && noNetwork && downloaded?.fetchedAt != null && checkout.fetchedAt! > new Date(downloaded.fetchedAt);
  if (downloaded && !checkoutNewer) return { db: downloaded, location: url, tried };
  if (staleCheckout) {
    const db = await attempt(checkoutSource);
    if (db) {
      warn(`using the advisory database in ${checkout.path}, last fetched ${age} days ago: run \`cargo audit\` or \`git -C ${checkout.path} pull\` to update it${noNetwork ? '' : ' (the download failed)'}`);
      return { db, location: checkout.path, tried };
    }
  }
  if (downloaded) return { db: downloaded, location: url, tried };
  const advice = noNetwork
    ? 'run once without --no-fetch/--offline to download it, or pass --db PATH (a directory or .tar.gz) or set CRATEWATCH_DB'
    : 'pass --db PATH|URL (a directory, a .tar.gz or its URL), set CRATEWATCH_DB, or check the network and run again';
  throw new AdvisoryDbError(`no advisory database could be loaded; tried:\n${tried.map((t) => `  - ${t}`).join('\n')}\n${advice}`);
}
