// The RustSec advisory database from the local filesystem: an extracted directory
// (a clone of rustsec/advisory-db) or a GitHub-style .tar.gz archive read in memory.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import { buildAdvisoryDb, type AdvisoryDb, type AdvisoryFile } from '../core/advisory.ts';
import type { CompiledAdvisoryDbCache } from '../core/advisory-db-snapshot.ts';
import { AdvisoryDbError, errorMessage } from '../core/errors.ts';
import type { AdvisorySource, CachedResponse, HttpCache } from '../core/ports.ts';
import { readGitHead } from './git-checkout.ts';
import { BodyTooLargeError, type HttpClient } from './http-client.ts';

/** Archives larger than this (compressed) are refused; the real database is under 1 MiB. */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
/** Uncompressed size limit, so a gzip bomb cannot exhaust memory. */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

const COMMIT = /[0-9a-f]{40}$/;
const decoder = new TextDecoder();

/**
 * Reads a GitHub-style archive (one top-level folder) into advisory files.
 * The revision is the commit git archive records, else the folder's name.
 */
export async function readAdvisoryArchive(bytes: Uint8Array, name: string): Promise<{ files: AdvisoryFile[]; revision: string }> {
  if (bytes.byteLength > MAX_ARCHIVE_BYTES) {
    throw new AdvisoryDbError(`${name}: the archive is ${bytes.byteLength} bytes, over the ${MAX_ARCHIVE_BYTES}-byte limit for an advisory database`);
  }
  let tar: Uint8Array;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    // gunzip stops at the limit: a decompression bomb costs at most that much memory.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new AdvisoryDbError(
        `${name}: the archive unpacks to more than ${MAX_UNPACKED_BYTES} bytes, the limit for an advisory database (the real one unpacks to a few MiB): it is not the RustSec database; check its address (--db, or sources.advisory_db in cratewatch.toml)`,
        { cause: error },
      );
    }
    throw new AdvisoryDbError(`${name}: not a readable gzip archive (${errorMessage(error)}); download it again`, { cause: error });
  }
  let entries;
  try {
    // Strict: a tar cut short or with a damaged header is refused, never read as a smaller database.
    entries = await unpackTar(tar, { strict: true });
  } catch (error) {
    throw new AdvisoryDbError(`${name}: not a readable tar archive (${errorMessage(error)}); download it again`, { cause: error });
  }
  const files: AdvisoryFile[] = [];
  let top: string | undefined;
  let commit: string | undefined;
  for (const { header, data } of entries) {
    // Nothing is ever written to disk, but such a name has no place in a database archive.
    if (header.name.startsWith('/') || header.name.split('/').includes('..')) {
      throw new AdvisoryDbError(`${name}: the archive entry ${JSON.stringify(header.name)} points outside its folder (an absolute path or a ".." segment): it is not a GitHub archive of the database; check its address (--db, or sources.advisory_db in cratewatch.toml)`);
    }
    const slash = header.name.indexOf('/');
    const folder = slash === -1 ? header.name : header.name.slice(0, slash);
    if (top === undefined) top = folder;
    else if (folder !== top) {
      throw new AdvisoryDbError(`${name}: expected one top-level folder, found "${top}" and "${folder}"`);
    }
    const comment = header.pax?.comment;
    if (commit === undefined && comment !== undefined && COMMIT.test(comment)) commit = comment;
    if (header.type === 'file' && data && slash !== -1) {
      files.push({ path: header.name.slice(slash + 1), text: decoder.decode(data) });
    }
  }
  if (top === undefined) throw new AdvisoryDbError(`${name}: the archive is empty`);
  const revision = commit ?? COMMIT.exec(top)?.[0] ?? top;
  return { files, revision };
}

/**
 * The advisory files of a directory. Read synchronously on purpose: for ~1,200 small files
 * Node's promise-based recursive readdir and readFile cost ~200 ms in thread-pool round
 * trips, the synchronous calls ~25 ms, and nothing else runs while the database loads.
 */
function readDirectory(root: string): AdvisoryFile[] {
  const files: AdvisoryFile[] = [];
  for (const scope of ['crates', 'rust']) {
    let paths: string[];
    try {
      // Entries with types: the plain-names form stats every entry again, several times slower.
      paths = readdirSync(join(root, scope), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.name.endsWith('.md'))
        .map((entry) => join(entry.parentPath, entry.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new AdvisoryDbError(`${join(root, scope)}: cannot read the advisory folder (${errorMessage(error)})`, { cause: error });
    }
    for (const path of paths) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new AdvisoryDbError(`${path}: cannot read the advisory file (${errorMessage(error)})`, { cause: error });
      }
      files.push({ path: relative(root, path).split(sep).join('/'), text });
    }
  }
  return files;
}

/** What an archive was compiled from: the hash of its bytes (~1 ms for the real 4 MB, where unpacking costs ~70 ms). */
function archiveFingerprint(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * What a directory was compiled from: its revision and every advisory file's path and text,
 * in the order read. Exact where a commit id or file times are not: an edit, an uncommitted
 * change or a copy with new times changes it precisely when the contents change.
 */
function directoryFingerprint(files: readonly AdvisoryFile[], revision: string): string {
  const hash = createHash('sha256').update(`${revision}\0`);
  for (const file of files) hash.update(`${file.path}\0${file.text}\0`);
  return `sha256:${hash.digest('hex')}`;
}

/** The compiled database for `fingerprint` when the cache has it, else `build()`'s, then kept for next time. */
async function compiledOrBuilt(
  compiled: CompiledAdvisoryDbCache | undefined,
  location: string,
  fingerprint: string,
  build: () => Promise<AdvisoryDb>,
): Promise<AdvisoryDb> {
  const cached = await compiled?.get(location, fingerprint);
  if (cached) return cached;
  const db = await build();
  await compiled?.put(location, fingerprint, db);
  return db;
}

/** A clone's checked-out commit, else the commit in the folder's name, else its name. */
async function directoryRevision(root: string): Promise<string> {
  return (await readGitHead(root)).commit ?? COMMIT.exec(basename(root))?.[0] ?? basename(root);
}

/** The database at a local path: a directory, or a `.tar.gz` archive. */
export class LocalAdvisoryDbSource implements AdvisorySource {
  readonly location: string;
  private readonly compiled: CompiledAdvisoryDbCache | undefined;

  /** `compiled`: where compiled databases are kept between runs, so an unchanged database is not parsed again. */
  constructor(path: string, options: { compiled?: CompiledAdvisoryDbCache } = {}) {
    this.location = path;
    this.compiled = options.compiled;
  }

  async load(): Promise<AdvisoryDb> {
    const path = this.location;
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new AdvisoryDbError(`${path}: no advisory database there (${errorMessage(error)}); pass --db with a directory or .tar.gz`, { cause: error });
    }
    const checked = (db: AdvisoryDb): AdvisoryDb => {
      if (db.advisoryCount === 0) {
        throw new AdvisoryDbError(`${path}: no advisories found (expected crates/<name>/<ID>.md files)${db.diagnostics.length ? `; ${db.diagnostics.length} could not be parsed` : ''}`);
      }
      return db;
    };
    if (info.isDirectory()) {
      const files = readDirectory(path);
      const revision = await directoryRevision(path);
      return compiledOrBuilt(this.compiled, path, directoryFingerprint(files, revision), async () => checked(buildAdvisoryDb(files, revision)));
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new AdvisoryDbError(`${path}: cannot read the archive (${errorMessage(error)}); pass --db with a directory or .tar.gz`, { cause: error });
    }
    return compiledOrBuilt(this.compiled, path, archiveFingerprint(bytes), async () => {
      const { files, revision } = await readAdvisoryArchive(bytes, path);
      return checked(buildAdvisoryDb(files, revision));
    });
  }
}

export interface HttpAdvisoryDbOptions {
  url: string;
  http: HttpClient;
  /** Keeps the archive and its ETag between runs. */
  cache: HttpCache;
  now: () => Date;
  /** Use only the cached copy; never touch the network. */
  offline?: boolean;
  /**
   * Use the cached copy when there is one, downloading only when there is none: for the
   * units of a run whose first step has just refreshed the cache.
   */
  preferCached?: boolean;
  /** Called when a cached copy stands in for a download that failed. */
  warn?: (message: string) => void;
  /** Where compiled databases are kept between runs, so an unchanged archive is not unpacked and parsed again. */
  compiled?: CompiledAdvisoryDbCache;
}

const ARCHIVE_CACHE_KEY = 'advisory-db/archive';
/**
 * When the cached archive was last confirmed current by a 304: a small entry beside it
 * (empty body, the archive's validators), so that a 304 does not write the archive again.
 */
const CONFIRMED_CACHE_KEY = 'advisory-db/confirmed';

/**
 * The database downloaded as a GitHub-style archive over HTTPS. The archive is cached with
 * its ETag: the next run asks with If-None-Match and a 304 means the cached copy is current.
 * When the download fails but a cached copy exists, that copy is used and a warning given.
 * The database's `fetchedAt` is when the copy was last known current (downloaded, or
 * confirmed by a 304), so the age results judge staleness by is that of its contents.
 */
export class HttpAdvisoryDbSource implements AdvisorySource {
  readonly location: string;
  private readonly options: HttpAdvisoryDbOptions;

  constructor(options: HttpAdvisoryDbOptions) {
    this.location = options.url;
    this.options = options;
  }

  async load(): Promise<AdvisoryDb> {
    const { url, http, cache, now, offline, warn, preferCached } = this.options;
    const cached = await this.readCached();
    if (preferCached && cached) return this.parse(cached.body, cached.fetchedAt);
    if (offline) {
      if (!cached) throw new AdvisoryDbError(`${url}: offline and no cached copy of the advisory database; run once online first, or pass a local path`);
      return this.parse(cached.body, cached.fetchedAt);
    }
    const headers: Record<string, string> = {};
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    let response;
    try {
      response = await http.request(url, { headers, maxBytes: MAX_ARCHIVE_BYTES });
    } catch (error) {
      const reason = error instanceof BodyTooLargeError ? `${errorMessage(error)} for an advisory database` : errorMessage(error);
      if (cached && !(error instanceof BodyTooLargeError)) {
        warn?.(`could not download the advisory database (${reason}); using the copy last known current at ${cached.fetchedAt}`);
        return this.parse(cached.body, cached.fetchedAt);
      }
      throw new AdvisoryDbError(`cannot download the advisory database: ${reason.startsWith(url) ? reason : `${url}: ${reason}`}`, { cause: error });
    }
    if (response.status === 304 && cached) {
      const confirmedAt = now().toISOString();
      const db = await this.parse(cached.body, confirmedAt);
      // Only a cache: if it cannot be written, the next run's age is the older time, never a wrong one.
      await cache.put(CONFIRMED_CACHE_KEY, { etag: cached.etag, lastModified: cached.lastModified, fetchedAt: confirmedAt, body: new Uint8Array(0) }).catch(() => undefined);
      return db;
    }
    if (response.status !== 200) {
      if (cached) {
        warn?.(`the advisory database download answered HTTP ${response.status}; using the copy last known current at ${cached.fetchedAt}`);
        return this.parse(cached.body, cached.fetchedAt);
      }
      throw new AdvisoryDbError(`${url}: HTTP ${response.status} for the advisory database; check its address (--db, or sources.advisory_db in cratewatch.toml)`);
    }
    const fetchedAt = now().toISOString();
    const db = await this.parse(response.body, fetchedAt);
    // Cache only an archive that parsed: a corrupt download must not replace a good copy.
    await cache.put(ARCHIVE_CACHE_KEY, { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified'), fetchedAt, body: response.body });
    return db;
  }

  /**
   * The cached archive, its `fetchedAt` the time it was last known current: its download,
   * or a later 304 that confirmed the same validators.
   */
  private async readCached(): Promise<CachedResponse | undefined> {
    const { cache } = this.options;
    const cached = await cache.get(ARCHIVE_CACHE_KEY);
    if (!cached) return undefined;
    const confirmed = await cache.get(CONFIRMED_CACHE_KEY).catch(() => undefined);
    const same = confirmed !== undefined && confirmed.etag === cached.etag && confirmed.lastModified === cached.lastModified;
    return same && confirmed.fetchedAt > cached.fetchedAt ? { ...cached, fetchedAt: confirmed.fetchedAt } : cached;
  }

  private async parse(body: Uint8Array, fetchedAt: string): Promise<AdvisoryDb> {
    const db = await compiledOrBuilt(this.options.compiled, this.location, archiveFingerprint(body), async () => {
      const { files, revision } = await readAdvisoryArchive(body, this.location);
      const built = buildAdvisoryDb(files, revision);
      if (built.advisoryCount === 0) throw new AdvisoryDbError(`${this.location}: the archive holds no advisories`);
      return built;
    });
    return { ...db, fetchedAt };
  }
}
