// The result store on the local filesystem (`.cratewatch/` by default). Every file appears
// whole or not at all: it is written to a temp file beside it, then renamed (or, for
// history, hard-linked) into place, so neither a reader nor a crash sees half a result.
//
//   <root>/results/index.json                       the SummaryIndex
//   <root>/results/<repo>/latest.json               the newest ScanResult
//   <root>/results/<repo>/history/<scannedAt>.json  every ScanResult, never overwritten
//   <root>/cache/<key>.json + <key>.body            cached HTTP responses
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorMessage } from '../core/errors.ts';
import type { CachedResponse, HttpCache, ResultStore } from '../core/ports.ts';
import { SCHEMA_VERSION, type ScanResult, type SummaryIndex } from '../core/result.ts';

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
const UTF8 = new TextEncoder();

/** A repository name becomes a folder name: letters, digits, `.`, `_` and `-`, never `.` or `..`. */
function repositoryDir(root: string, name: string): string {
  if (!SAFE_SEGMENT.test(name) || name === '.' || name === '..') {
    throw new Error(`repository name ${JSON.stringify(name)} cannot be a folder name: use letters, digits, ".", "_" and "-" only`);
  }
  return join(root, 'results', name);
}

/** `2025-06-01T12:00:00.000Z` → `2025-06-01T12-00-00.000Z`: no `:`, which some systems refuse in names. */
function historyStem(scannedAt: string): string {
  const stem = scannedAt.replaceAll(':', '-');
  if (!SAFE_SEGMENT.test(stem) || stem.startsWith('.')) throw new Error(`scannedAt ${JSON.stringify(scannedAt)} is not an ISO 8601 time`);
  return stem;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Writes `data` to a new temp file in `dir` and returns its path; `durable` flushes it to disk first. */
async function writeTemp(dir: string, name: string, data: string | Uint8Array, durable: boolean): Promise<string> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${name}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    // Without it a power cut after the rename can leave an empty file under the real name.
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/** Replaces `path` with `data` in one step: readers see the old file or the new one. */
async function replaceAtomically(path: string, data: string | Uint8Array, durable: boolean): Promise<void> {
  const temp = await writeTemp(dirname(path), basename(path), data, durable);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates `<stem>.json` in `dir`, or `<stem>-1.json`, `<stem>-2.json`… when taken. A hard
 * link fails when its target exists, so nothing is ever overwritten, even by a concurrent
 * writer. Returns the path written.
 */
async function createAtomically(dir: string, stem: string, data: string): Promise<string> {
  const temp = await writeTemp(dir, `${stem}.json`, data, true);
  try {
    for (let n = 0; ; n++) {
      const target = join(dir, `${stem}${n === 0 ? '' : `-${n}`}.json`);
      try {
        await link(temp, target);
        return target;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Reads a JSON document this store wrote; undefined when the file is absent, an Error naming the file when it is not readable. */
async function readDocument(file: string, check: (doc: Record<string, unknown>) => string | undefined): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${errorMessage(error)}); move it away to start afresh`, { cause: error });
  }
  const problem =
    typeof doc !== 'object' || doc === null || Array.isArray(doc)
      ? 'is not a JSON object'
      : (doc as Record<string, unknown>).schemaVersion !== SCHEMA_VERSION
        ? `has schemaVersion ${JSON.stringify((doc as Record<string, unknown>).schemaVersion)}, but this cratewatch reads ${SCHEMA_VERSION}`
        : check(doc as Record<string, unknown>);
  if (problem !== undefined) throw new Error(`${file} ${problem}; move it away to start afresh`);
  return doc;
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export class FsResultStore implements ResultStore {
  readonly root: string;
  readonly cache: HttpCache;

  /** `root`: the folder that holds `results/` and `cache/`, created on the first write. */
  constructor(root: string) {
    this.root = root;
    this.cache = new FsHttpCache(join(root, 'cache'));
  }

  async readLatest(repository: string): Promise<ScanResult | undefined> {
    const file = join(repositoryDir(this.root, repository), 'latest.json');
    const doc = await readDocument(file, (d) => {
      const name = (d.repository as { name?: unknown } | null | undefined)?.name;
      return name === repository ? undefined : `holds the result of repository ${JSON.stringify(name)}, not "${repository}"`;
    });
    return doc as ScanResult | undefined;
  }

  /** Adds the result to the history first, then makes it the latest: a crash in between loses nothing. */
  async write(result: ScanResult): Promise<void> {
    const dir = repositoryDir(this.root, result.repository.name);
    const stem = historyStem(result.scannedAt);
    const data = json(result);
    await createAtomically(join(dir, 'history'), stem, data);
    await replaceAtomically(join(dir, 'latest.json'), data, true);
  }

  async writeSummary(index: SummaryIndex): Promise<void> {
    await replaceAtomically(join(this.root, 'results', 'index.json'), json(index), true);
  }

  async readSummary(): Promise<SummaryIndex | undefined> {
    const doc = await readDocument(join(this.root, 'results', 'index.json'), (d) => (Array.isArray(d.repositories) ? undefined : 'has no repositories list'));
    return doc as SummaryIndex | undefined;
  }
}

interface CacheMetadata {
  etag: string | null;
  lastModified: string | null;
  fetchedAt: string;
  /** Size and digest of the `.body` file, so a body and metadata from different writes never pair up. */
  size: number;
  sha256: string;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isMetadata(value: unknown): value is CacheMetadata {
  const m = value as Partial<CacheMetadata> | null;
  const optionalString = (v: unknown) => v === null || typeof v === 'string';
  return (
    typeof m === 'object' && m !== null && optionalString(m.etag) && optionalString(m.lastModified) && typeof m.fetchedAt === 'string' && typeof m.size === 'number' && typeof m.sha256 === 'string'
  );
}

/**
 * Cached responses as `<key>.json` (validators, size, digest) beside `<key>.body` (the
 * bytes). Keys are `/`-separated (`index/index.crates.io/se/rd/serde`); each segment is
 * percent-encoded into a portable file name, and keys that could leave the folder are
 * refused. A cache entry that is damaged or half-replaced reads as a miss: it is only a cache.
 */
export class FsHttpCache implements HttpCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The path of a key, without extension. Throws on keys that are empty, absolute or climb out (`..`). */
  pathOf(key: string): string {
    const segments = key.split('/');
    if (key.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new Error(`cache key ${JSON.stringify(key)} is not a relative path of plain segments (no leading "/", no empty, "." or ".." segment)`);
    }
    // Everything but letters, digits, `.`, `_` and `-` is escaped, `%` and `\` included, so a name never means more than it says.
    const names = segments.map((s) => s.replace(/[^A-Za-z0-9._-]/gu, (c) => [...UTF8.encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')));
    return join(this.dir, ...names);
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const base = this.pathOf(key);
    let metadata: unknown;
    let body: Buffer;
    try {
      metadata = JSON.parse(await readFile(`${base}.json`, 'utf8'));
      body = await readFile(`${base}.body`);
    } catch (error) {
      if (isMissing(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
    if (!isMetadata(metadata) || metadata.size !== body.byteLength || metadata.sha256 !== sha256(body)) return undefined;
    return {
      etag: metadata.etag,
      lastModified: metadata.lastModified,
      fetchedAt: metadata.fetchedAt,
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    };
  }

  /** Body first, metadata last: until the metadata names the new body's digest, readers get a miss, never a mismatch. */
  async put(key: string, value: CachedResponse): Promise<void> {
    const base = this.pathOf(key);
    const metadata: CacheMetadata = { etag: value.etag, lastModified: value.lastModified, fetchedAt: value.fetchedAt, size: value.body.byteLength, sha256: sha256(value.body) };
    await replaceAtomically(`${base}.body`, value.body, false);
    await replaceAtomically(`${base}.json`, json(metadata), false);
  }
}
