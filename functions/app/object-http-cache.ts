// Cached HTTP responses kept in the result store, so that the next run asks conditionally.
// Large single responses (the advisory archive) are one object each. Index files are many
// and small, so they live in ONE packed object read once per run or Lambda, and what a run
// fetched goes back as one delta object per repository, merged into the pack by the next
// prepare or finish step: S3 requests grow with repositories, not with crates.
//
//   cache/http/<key>             metadata JSON line, then the body bytes
//   cache/index-pack.json.gz     every index file: { entries: { key: entry } }
//   cache/index-deltas/<id>.json.gz   entries fetched (and keys used) by one unit of work
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { errorMessage, PreconditionFailedError } from '../core/errors.ts';
import type { CachedResponse, HttpCache, ObjectStore } from '../core/ports.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const INDEX_PACK_KEY = 'cache/index-pack.json.gz';
export const INDEX_DELTA_PREFIX = 'cache/index-deltas/';
const HTTP_PREFIX = 'cache/http/';
const PACK_VERSION = 1;
/** Index files no repository used for this long are dropped from the pack. */
const UNUSED_DAYS = 30;

interface PackEntry {
  etag: string | null;
  lastModified: string | null;
  fetchedAt: string;
  /** When a scan last read this file. */
  usedAt: string;
  body: string;
}

interface Pack {
  packVersion: typeof PACK_VERSION;
  entries: Record<string, PackEntry>;
}

/** Cache keys are relative paths of plain segments; anything else could escape the cache folder. */
function checkKey(key: string): void {
  if (key.includes('\0') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`cache key ${JSON.stringify(key)} is not a relative path of plain segments`);
  }
}

/** `%`-escapes everything but letters, digits, `.`, `_`, `-` and `/`, so a key is a portable object name. */
function objectName(key: string): string {
  return key.replace(/[^A-Za-z0-9._/-]/gu, (c) => [...encoder.encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

function isPackEntry(value: unknown): value is PackEntry {
  const e = value as Partial<PackEntry> | null;
  const optionalString = (v: unknown) => v === null || typeof v === 'string';
  return typeof e === 'object' && e !== null && optionalString(e.etag) && optionalString(e.lastModified) && typeof e.fetchedAt === 'string' && typeof e.usedAt === 'string' && typeof e.body === 'string';
}

/**
 * The well-formed entries of a pack or delta; undefined when `entries` is no key → entry map.
 * One odd entry is skipped rather than trusted: a null one would otherwise make every later
 * compaction throw, so the pack could never be repaired.
 */
function soundEntries(entries: unknown): Record<string, PackEntry> | undefined {
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return undefined;
  return Object.fromEntries(Object.entries(entries).filter(([, entry]) => isPackEntry(entry))) as Record<string, PackEntry>;
}

async function readPackObject(objects: ObjectStore, key: string): Promise<{ pack: Pack; etag: string | null }> {
  const stored = await objects.get(key);
  if (!stored) return { pack: { packVersion: PACK_VERSION, entries: {} }, etag: null };
  try {
    const doc = JSON.parse(decoder.decode(await gunzipAsync(stored.body))) as { packVersion?: unknown; entries?: unknown } | null;
    const entries = soundEntries(doc?.entries);
    if (doc?.packVersion !== PACK_VERSION || entries === undefined) throw new Error(`packVersion ${JSON.stringify(doc?.packVersion)}`);
    return { pack: { packVersion: PACK_VERSION, entries }, etag: stored.etag };
  } catch {
    // Only a cache: a damaged pack is replaced by the next write.
    return { pack: { packVersion: PACK_VERSION, entries: {} }, etag: stored.etag };
  }
}

/** Newest fetch wins; a file's `usedAt` is the latest use anyone recorded. */
function mergeEntry(into: Record<string, PackEntry>, key: string, entry: PackEntry): void {
  const have = into[key];
  if (!have) {
    into[key] = entry;
    return;
  }
  const newer = entry.fetchedAt > have.fetchedAt ? entry : have;
  into[key] = { ...newer, usedAt: entry.usedAt > have.usedAt ? entry.usedAt : have.usedAt };
}

export interface CompactStats {
  entries: number;
  deltasMerged: number;
  dropped: number;
}

/**
 * The HttpCache a run uses: index files from the pack, other responses as objects. One
 * instance per run or Lambda invocation; `flush` and `compact` write what it gathered.
 */
export class ObjectHttpCache implements HttpCache {
  private readonly objects: ObjectStore;
  private readonly now: () => Date;
  private loaded: Promise<Pack> | undefined;
  private readonly fetched = new Map<string, PackEntry>();
  private readonly used = new Set<string>();
  /** Entries being written as a delta: still readable here until the pack has them. */
  private readonly flushing = new Map<string, PackEntry>();

  constructor(objects: ObjectStore, now: () => Date) {
    this.objects = objects;
    this.now = now;
  }

  private pack(): Promise<Pack> {
    if (this.loaded === undefined) {
      const loading = readPackObject(this.objects, INDEX_PACK_KEY).then((r) => r.pack);
      this.loaded = loading;
      // A failed read is not remembered: the next lookup tries again.
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    checkKey(key);
    if (key.startsWith('index/')) {
      const entry = this.fetched.get(key) ?? this.flushing.get(key) ?? (await this.pack()).entries[key];
      if (!entry) return undefined;
      this.used.add(key);
      return { etag: entry.etag, lastModified: entry.lastModified, fetchedAt: entry.fetchedAt, body: encoder.encode(entry.body) };
    }
    const stored = await this.objects.get(HTTP_PREFIX + objectName(key));
    if (!stored) return undefined;
    const newline = stored.body.indexOf(0x0a);
    try {
      const meta = JSON.parse(decoder.decode(stored.body.subarray(0, newline))) as Omit<CachedResponse, 'body'> & { size: number };
      const body = stored.body.subarray(newline + 1);
      return newline > 0 && meta.size === body.byteLength ? { etag: meta.etag, lastModified: meta.lastModified, fetchedAt: meta.fetchedAt, body } : undefined;
    } catch {
      return undefined;
    }
  }

  async put(key: string, value: CachedResponse): Promise<void> {
    checkKey(key);
    if (key.startsWith('index/')) {
      this.used.add(key);
      this.fetched.set(key, { etag: value.etag, lastModified: value.lastModified, fetchedAt: value.fetchedAt, usedAt: this.now().toISOString(), body: decoder.decode(value.body) });
      return;
    }
    const meta = encoder.encode(`${JSON.stringify({ etag: value.etag, lastModified: value.lastModified, fetchedAt: value.fetchedAt, size: value.body.byteLength })}\n`);
    const framed = new Uint8Array(meta.byteLength + value.body.byteLength);
    framed.set(meta);
    framed.set(value.body, meta.byteLength);
    await this.objects.put(HTTP_PREFIX + objectName(key), framed, { contentType: 'application/octet-stream' });
  }

  /** The crate names of the index files cached for `keyPrefix` (`index/<host>/<path>/`). */
  async indexCrates(keyPrefix: string): Promise<string[]> {
    const entries = (await this.pack()).entries;
    return Object.keys(entries)
      .filter((key) => key.startsWith(keyPrefix))
      .map((key) => key.slice(key.lastIndexOf('/') + 1));
  }

  /** Writes what this instance fetched and used as one delta object (nothing when it did neither). */
  async flush(unit: string): Promise<void> {
    if (this.fetched.size === 0 && this.used.size === 0) return;
    // Taken out before the write: entries other units add meanwhile wait for the next flush.
    const fetched = new Map(this.fetched);
    const used = [...this.used].filter((k) => !fetched.has(k));
    this.fetched.clear();
    this.used.clear();
    for (const [key, entry] of fetched) this.flushing.set(key, entry);
    const usedAt = this.now().toISOString();
    const delta = { packVersion: PACK_VERSION, entries: Object.fromEntries(fetched), used, usedAt };
    const name = `${usedAt.replaceAll(':', '-')}-${unit.replace(/[^A-Za-z0-9._-]/g, '_')}-${randomUUID().slice(0, 8)}.json.gz`;
    try {
      await this.objects.put(INDEX_DELTA_PREFIX + name, await gzipAsync(JSON.stringify(delta)), { contentType: 'application/gzip', condition: { ifNoneMatch: '*' } });
    } catch (error) {
      // Not written: back into what the next flush or compaction writes (unless fetched again since).
      for (const [key, entry] of fetched) if (!this.fetched.has(key)) this.fetched.set(key, entry);
      for (const key of used) this.used.add(key);
      throw error;
    } finally {
      for (const [key, entry] of fetched) if (this.flushing.get(key) === entry) this.flushing.delete(key);
    }
  }

  /**
   * Merges the stored deltas and this instance's own entries into the pack, drops files no
   * one used for a month, and removes the merged deltas. Safe to run from two runs at once:
   * the pack is replaced only if it is still the version read.
   */
  async compact(): Promise<CompactStats> {
    const now = this.now();
    const cutoff = new Date(now.getTime() - UNUSED_DAYS * 86_400_000).toISOString();
    for (let attempt = 0; ; attempt++) {
      // What this instance gathered, as of now: lookups still running may add more, which stays for later.
      const fetched = new Map(this.fetched);
      const used = new Set(this.used);
      const { pack, etag } = await readPackObject(this.objects, INDEX_PACK_KEY);
      const deltaKeys = await this.objects.list(INDEX_DELTA_PREFIX);
      const entries = { ...pack.entries };
      for (const key of deltaKeys) {
        const delta = await this.objects.get(key);
        if (!delta) continue;
        try {
          const doc = JSON.parse(decoder.decode(await gunzipAsync(delta.body))) as { packVersion?: unknown; entries?: unknown; used?: unknown; usedAt?: unknown } | null;
          if (doc?.packVersion !== PACK_VERSION) continue;
          for (const [k, entry] of Object.entries(soundEntries(doc.entries) ?? {})) mergeEntry(entries, k, entry);
          const usedAt = doc.usedAt;
          if (typeof usedAt === 'string' && Array.isArray(doc.used)) {
            for (const k of doc.used) if (typeof k === 'string' && entries[k] && usedAt > entries[k].usedAt) entries[k] = { ...entries[k], usedAt };
          }
        } catch {
          // A damaged delta only costs a refetch.
        }
      }
      for (const [k, entry] of fetched) mergeEntry(entries, k, entry);
      for (const k of used) if (entries[k]) entries[k] = { ...entries[k], usedAt: now.toISOString() };
      let dropped = 0;
      for (const [k, entry] of Object.entries(entries)) {
        if (entry.usedAt < cutoff) {
          delete entries[k];
          dropped++;
        }
      }
      const body = await gzipAsync(JSON.stringify({ packVersion: PACK_VERSION, entries } satisfies Pack));
      try {
        await this.objects.put(INDEX_PACK_KEY, body, { contentType: 'application/gzip', condition: etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag } });
      } catch (error) {
        if (error instanceof PreconditionFailedError && attempt < 5) continue;
        throw new Error(`could not write the index cache ${INDEX_PACK_KEY}: ${errorMessage(error)}`, { cause: error });
      }
      await Promise.all(deltaKeys.map((key) => this.objects.delete(key)));
      for (const [k, entry] of fetched) if (this.fetched.get(k) === entry) this.fetched.delete(k);
      for (const k of used) this.used.delete(k);
      this.loaded = Promise.resolve({ packVersion: PACK_VERSION, entries });
      return { entries: Object.keys(entries).length, deltasMerged: deltaKeys.length, dropped };
    }
  }
}
