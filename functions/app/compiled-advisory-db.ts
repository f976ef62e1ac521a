// Compiled advisory databases kept in an object store (the CLI's cache folder), one JSON
// snapshot per place a database comes from, so that the next run with the same database
// restores it (~15 ms) instead of unpacking and parsing it (~150-350 ms).
//
//   cache/advisory-db/compiled/<hash of the path or URL>.json   an AdvisoryDbSnapshot
import { createHash } from 'node:crypto';
import type { AdvisoryDb } from '../core/advisory.ts';
import { restoreAdvisoryDb, snapshotAdvisoryDb, type CompiledAdvisoryDbCache } from '../core/advisory-db-snapshot.ts';
import { errorMessage } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';

const PREFIX = 'cache/advisory-db/compiled/';
/**
 * More snapshots than this (each ~1.5 MB for the real database) and the others are removed
 * when one is written: the store keeps no times to evict by, and places used once (a test's
 * temporary `--db`) must not pile up.
 */
export const MAX_COMPILED_SNAPSHOTS = 8;
const decoder = new TextDecoder();

/**
 * The object a location's snapshot lives in. One per location, not per revision: a new
 * revision replaces the old snapshot, so nothing piles up, and two databases used in turn
 * (`--db` and the default) do not evict each other.
 */
export function compiledDbKey(location: string): string {
  return `${PREFIX}${createHash('sha256').update(location).digest('hex').slice(0, 32)}.json`;
}

export interface CompiledDbCacheOptions {
  /** The cratewatch version: a snapshot another version wrote is compiled again. */
  producer: string;
  /** Told why a snapshot could not be written (never fatal: the next run parses again). */
  warn?: (message: string) => void;
}

/** Only a cache: a missing, damaged or outdated snapshot reads as none, and a failed write is a warning. */
export class ObjectCompiledAdvisoryDbCache implements CompiledAdvisoryDbCache {
  private readonly objects: ObjectStore;
  private readonly options: CompiledDbCacheOptions;

  constructor(objects: ObjectStore, options: CompiledDbCacheOptions) {
    this.objects = objects;
    this.options = options;
  }

  async get(location: string, fingerprint: string): Promise<AdvisoryDb | undefined> {
    try {
      const stored = await this.objects.get(compiledDbKey(location));
      if (!stored) return undefined;
      return restoreAdvisoryDb(JSON.parse(decoder.decode(stored.body)), { producer: this.options.producer, fingerprint });
    } catch {
      // Another revision, another version of cratewatch, or a damaged file: compiled again and replaced.
      return undefined;
    }
  }

  async put(location: string, fingerprint: string, db: AdvisoryDb): Promise<void> {
    const key = compiledDbKey(location);
    try {
      const snapshot = snapshotAdvisoryDb(db, { producer: this.options.producer, fingerprint });
      await this.objects.put(key, JSON.stringify(snapshot), { contentType: 'application/json' });
      const kept = await this.objects.list(PREFIX);
      if (kept.length > MAX_COMPILED_SNAPSHOTS) await Promise.all(kept.filter((k) => k !== key).map((k) => this.objects.delete(k)));
    } catch (error) {
      this.options.warn?.(`could not keep the compiled advisory database in ${this.objects.location} (${errorMessage(error)}); the next run parses it again`);
    }
  }
}
