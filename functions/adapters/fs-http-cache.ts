// Cached HTTP responses in a folder, for `cratewatch audit` (`~/.cache/cratewatch`): every
// file is written to a temp file beside it, then renamed into place, so a reader or a crash
// never sees half an entry. (`cratewatch scan` keeps its cache in the result store.)
//
//   <dir>/<key>.json + <key>.body            validators and digest, then the bytes
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CachedResponse, HttpCache } from '../core/ports.ts';

const UTF8 = new TextEncoder();

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

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
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
