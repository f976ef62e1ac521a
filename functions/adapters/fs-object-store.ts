// The object store on the local filesystem: each key is a file under the root folder. Every
// object appears whole or not at all, and conditional writes hold between processes too.
//
// - A write goes to `.<name>.<uuid>.tmp` beside the file, is fsynced, then renamed (or, for
//   `ifNoneMatch: '*'`, hard-linked: a link fails when the target exists) into place.
// - The etag is the SHA-256 of the bytes, hex, in double quotes like an S3 ETag
//   (`"9f86d0…"`); equal bytes have equal etags. Content types are not kept.
// - Replacing and deleting hold `.<name>.lock`, created exclusively and holding
//   `{"pid","host","time","token"}` as JSON. A lock whose process is gone (same host) or
//   that is older than 60 s is stale: a waiter breaks it, one at a time, under
//   `.<name>.lock-break`. Keys may not name these files.
// - Unlike S3, `a` and `a/b` cannot both be objects (a file cannot be a folder).
import { createHash, randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, PreconditionFailedError, StoreError } from '../core/errors.ts';
import type { ObjectStore, PutOptions, StoredObject } from '../core/ports.ts';

/** Temp files, locks and lock breakers: kept beside the objects, never listed, never keys. */
const INTERNAL_NAME = /^\..*\.(?:tmp|lock|lock-break)$/;
/** A lock older than this is broken even when its process seems alive (hung, or its pid reused). */
const STALE_LOCK_MS = 60_000;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** ENOENT: absent; ENOTDIR: a parent is an object; EISDIR: the key is only a folder of other keys. */
function isAbsent(error: unknown): boolean {
  const code = errno(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function etagOf(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('hex')}"`;
}

/** `"abc"`, `W/"abc"` and `abc` name the same version. */
function sameEtag(a: string, b: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return bare(a) === bare(b);
}

/** Throws when `key` is not a relative path of plain `/`-separated names. */
function checkKey(key: string, what = 'object key'): void {
  const segments = key.split('/');
  const problem =
    key === ''
      ? 'is empty'
      : key.includes('\0')
        ? 'contains a NUL character'
        : key.includes('\\')
          ? 'contains a backslash'
          : key.startsWith('/')
            ? 'is absolute (starts with "/")'
            : segments.includes('')
              ? 'has an empty segment ("//" or a trailing "/")'
              : segments.some((s) => s === '.' || s === '..')
                ? 'has a "." or ".." segment'
                : segments.some((s) => INTERNAL_NAME.test(s))
                  ? 'has a segment named like a temp or lock file of this store (".name.tmp", ".name.lock")'
                  : undefined;
  if (problem !== undefined) {
    throw new Error(`${what} ${JSON.stringify(key)} ${problem}: use a relative path of "/"-separated names, like "results/ripgrep/latest.json"`);
  }
}

interface LockOwner {
  pid: number;
  host: string;
  /** `Date.now()` when it was taken. */
  time: number;
  /** Tells this holder's lock from a later one at the same path. */
  token: string;
}

interface LockState {
  owner: LockOwner | undefined;
  /** The raw content, to see that a lock is still the one judged stale. */
  text: string;
  mtimeMs: number;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (typeof value?.pid === 'number' && typeof value.host === 'string' && typeof value.time === 'number' && typeof value.token === 'string') return value as LockOwner;
  } catch {
    // A lock being written, or damaged: judged by its file time instead.
  }
  return undefined;
}

/** The lock at `path`, or undefined when there is none (any more). */
async function readLock(path: string): Promise<LockState | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { owner: parseOwner(text), text, mtimeMs: info.mtimeMs };
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errno(error) !== 'ESRCH';
  }
}

function isStale(lock: LockState, now: number): boolean {
  if (now - (lock.owner?.time ?? lock.mtimeMs) > STALE_LOCK_MS) return true;
  return lock.owner !== undefined && lock.owner.host === hostname() && !isAlive(lock.owner.pid);
}

/** Creates the file at `path` only if there is none; true when this call created it. */
async function createExclusive(path: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (errno(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** Removes `path` if it still holds `text` (a lock or breaker judged stale, or one's own). */
async function removeIfUnchanged(path: string, text: string): Promise<void> {
  const now = await readLock(path);
  if (now?.text === text) await unlink(path).catch((error: unknown) => (errno(error) === 'ENOENT' ? undefined : Promise.reject(error)));
}

/**
 * Removes the stale lock `seen`, unless it changed meanwhile. Breakers take turns under
 * `<lock>-break`, so one never removes the fresh lock another just took. False when another
 * breaker is at work: try again later.
 */
async function breakStaleLock(lock: string, seen: LockState, owner: LockOwner): Promise<boolean> {
  const breaker = `${lock}-break`;
  if (!(await createExclusive(breaker, owner))) {
    const other = await readLock(breaker);
    // A breaker holds its file for microseconds; only one that died leaves it behind.
    if (other !== undefined && isStale(other, Date.now())) await removeIfUnchanged(breaker, other.text);
    return false;
  }
  try {
    await removeIfUnchanged(lock, seen.text);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
  return true;
}

/** Runs `action` holding the lock of `file`, waiting for (or breaking) another holder's lock. */
async function withLock<T>(file: string, action: () => Promise<T>): Promise<T> {
  const lock = join(dirname(file), `.${basename(file)}.lock`);
  for (let attempt = 0; ; attempt++) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), time: Date.now(), token: randomUUID() };
    if (await createExclusive(lock, owner)) {
      try {
        return await action();
      } finally {
        // Only our own: had we been judged stale, the lock may be someone else's by now.
        await removeIfUnchanged(lock, `${JSON.stringify(owner)}\n`);
      }
    }
    const held = await readLock(lock);
    if (held === undefined) continue;
    if (isStale(held, Date.now()) && (await breakStaleLock(lock, held, owner))) continue;
    // Holders keep the lock for one read and one rename: poll briefly, with jitter.
    await sleep(Math.min(50, 2 + attempt) * (0.5 + Math.random()));
  }
}

/** Writes `bytes` to a new fsynced temp file beside `file`; returns its path. */
async function writeTemp(file: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    // Without it a power cut after the rename can leave an empty file under the real name.
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

export class FsObjectStore implements ObjectStore {
  readonly location: string;
  readonly #root: string;

  /** `root`: the folder that holds the objects, created on the first write. */
  constructor(root: string) {
    this.#root = root;
    this.location = root;
  }

  #pathOf(key: string): string {
    checkKey(key);
    return join(this.#root, ...key.split('/'));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.#pathOf(key);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw new StoreError(`${path}: cannot read the object (${errorMessage(error)}); check that the file is readable`, key, { cause: error });
    }
    const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { body, etag: etagOf(body) };
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<string> {
    const path = this.#pathOf(key);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const condition = options.condition;
    let temp: string | undefined;
    try {
      temp = await writeTemp(path, bytes);
      const ready = temp;
      if (condition !== undefined && 'ifNoneMatch' in condition) {
        await createFromTemp(key, ready, path);
      } else {
        // Unconditional writes lock too: a compare-and-swap must not slip between another's read and rename.
        await withLock(path, async () => {
          if (condition !== undefined) await checkVersion(key, path, condition.ifMatch);
          await rename(ready, path);
        });
        temp = undefined;
      }
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw error;
      throw new StoreError(`${path}: cannot write the object (${errorMessage(error)}); check that the folder is writable and has space`, key, { cause: error });
    } finally {
      if (temp !== undefined) await unlink(temp).catch(() => undefined);
    }
    return etagOf(bytes);
  }

  async list(prefix: string): Promise<string[]> {
    const cut = prefix.lastIndexOf('/');
    const folder = prefix.slice(0, Math.max(cut, 0));
    if (folder !== '') checkKey(folder, 'list prefix folder');
    if (prefix.includes('\0') || prefix.includes('\\')) throw new Error(`list prefix ${JSON.stringify(prefix)} contains a NUL character or a backslash`);
    const dir = join(this.#root, ...(folder === '' ? [] : folder.split('/')));
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isAbsent(error)) return [];
      throw new StoreError(`${dir}: cannot list the objects (${errorMessage(error)}); check that the folder is readable`, prefix, { cause: error });
    }
    return entries
      .filter((entry) => entry.isFile() && !INTERNAL_NAME.test(entry.name))
      .map((entry) => relative(this.#root, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix));
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    try {
      // A folder (of keys below this one) is no object: nothing to delete.
      if (!(await stat(path)).isFile()) return;
      await withLock(path, () => unlink(path));
    } catch (error) {
      if (isAbsent(error)) return;
      throw new StoreError(`${path}: cannot delete the object (${errorMessage(error)}); check that the folder is writable`, key, { cause: error });
    }
  }
}

/** `ifNoneMatch: '*'`: a hard link fails with EEXIST when the target exists, even under a concurrent writer. */
async function createFromTemp(key: string, temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    if (errno(error) === 'EEXIST') throw new PreconditionFailedError(key, { cause: error });
    throw error;
  }
}

/** `ifMatch`: the current file must exist and carry `etag`. Called holding the lock. */
async function checkVersion(key: string, path: string, etag: string): Promise<void> {
  let current: Buffer;
  try {
    current = await readFile(path);
  } catch (error) {
    if (isAbsent(error)) throw new PreconditionFailedError(key, { cause: error });
    throw error;
  }
  if (!sameEtag(etagOf(current), etag)) throw new PreconditionFailedError(key);
}
