// The result store: the key layout of scan results, their history, the summary and the
// alert ledger, on any ObjectStore (a local folder by default, an S3 bucket on AWS), so
// both keep exactly the same layout and rules:
//
//   results/index.json                       the SummaryIndex, rebuilt from the latest results
//   results/<repo>/latest.json               the newest ScanResult
//   results/<repo>/history/<scannedAt>.json  every ScanResult, created once, never overwritten
//   state/alert-ledger.json                  what people were already told (core/alert-ledger.ts)
//   cache/…                                  cached HTTP responses (app/object-http-cache.ts)
import { checkLedger, type AlertLedger } from '../core/alert-ledger.ts';
import { errorMessage, PreconditionFailedError, StoreError } from '../core/errors.ts';
import type { ObjectStore, WriteCondition } from '../core/ports.ts';
import { SCHEMA_VERSION, type ScanResult, type SummaryIndex } from '../core/result.ts';

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;
const JSON_TYPE = 'application/json';
export const SUMMARY_KEY = 'results/index.json';
export const LEDGER_KEY = 'state/alert-ledger.json';
const LATEST = /^results\/([A-Za-z0-9._-]+)\/latest\.json$/;
const decoder = new TextDecoder();

export interface Versioned<T> {
  value: T;
  etag: string;
}

/** `results/<name>`: letters, digits, `.`, `_` and `-`, never `.` or `..`. */
function repositoryPrefix(name: string): string {
  if (!SAFE_SEGMENT.test(name) || name === '.' || name === '..') {
    throw new Error(`repository name ${JSON.stringify(name)} cannot be a folder name: use letters, digits, ".", "_" and "-" only`);
  }
  return `results/${name}`;
}

/** `2025-06-01T12:00:00.000Z` → `2025-06-01T12-00-00.000Z`: no `:`, which some systems refuse in names. */
function historyStem(scannedAt: string): string {
  const stem = scannedAt.replaceAll(':', '-');
  if (!SAFE_SEGMENT.test(stem) || stem.startsWith('.')) throw new Error(`scannedAt ${JSON.stringify(scannedAt)} is not an ISO 8601 time`);
  return stem;
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export class ResultStore {
  readonly objects: ObjectStore;

  constructor(objects: ObjectStore) {
    this.objects = objects;
  }

  /** Where the store is, for messages: a folder or `s3://…`. */
  get location(): string {
    return this.objects.location;
  }

  /** Where an object is, for messages: one `/` between location and key (an S3 location already ends in `/`). */
  private addressOf(key: string): string {
    return this.location.endsWith('/') ? `${this.location}${key}` : `${this.location}/${key}`;
  }

  /** Reads a JSON document; undefined when absent, an Error naming the object when it is not what `check` wants. */
  private async readJson<T>(key: string, check: (doc: Record<string, unknown>) => string | undefined): Promise<Versioned<T> | undefined> {
    const stored = await this.objects.get(key);
    if (!stored) return undefined;
    let doc: unknown;
    try {
      doc = JSON.parse(decoder.decode(stored.body));
    } catch (error) {
      throw new StoreError(`${this.addressOf(key)} is not valid JSON (${errorMessage(error)}); move it away to start afresh`, key, { cause: error });
    }
    const problem = typeof doc !== 'object' || doc === null || Array.isArray(doc) ? 'is not a JSON object' : check(doc as Record<string, unknown>);
    if (problem !== undefined) throw new StoreError(`${this.addressOf(key)} ${problem}; move it away to start afresh`, key);
    return { value: doc as T, etag: stored.etag };
  }

  private readResult<T>(key: string, check: (doc: Record<string, unknown>) => string | undefined): Promise<Versioned<T> | undefined> {
    return this.readJson<T>(key, (d) =>
      d.schemaVersion !== SCHEMA_VERSION ? `has schemaVersion ${JSON.stringify(d.schemaVersion)}, but this cratewatch reads ${SCHEMA_VERSION}` : check(d),
    );
  }

  /** The latest result of a repository with its version, or undefined before its first scan. A bad name rejects, like any other failure. */
  async readLatest(repository: string): Promise<Versioned<ScanResult> | undefined> {
    return this.readResult<ScanResult>(`${repositoryPrefix(repository)}/latest.json`, (d) => {
      const name = (d.repository as { name?: unknown } | null | undefined)?.name;
      return name === repository ? undefined : `holds the result of repository ${JSON.stringify(name)}, not "${repository}"`;
    });
  }

  /**
   * Adds the result to the history (a new object, never an overwrite), then makes it the
   * latest. `previous` is the version of latest.json the scan read (null: there was none).
   * When another run replaced latest.json meanwhile, the newer of the two results stays
   * latest; the other is kept in the history all the same. Returns the history key.
   */
  async write(result: ScanResult, previous: string | null): Promise<string> {
    const prefix = repositoryPrefix(result.repository.name);
    const stem = historyStem(result.scannedAt);
    const body = json(result);
    let historyKey: string | undefined;
    for (let n = 0; historyKey === undefined; n++) {
      const key = `${prefix}/history/${stem}${n === 0 ? '' : `-${n}`}.json`;
      try {
        await this.objects.put(key, body, { contentType: JSON_TYPE, condition: { ifNoneMatch: '*' } });
        historyKey = key;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
      }
    }
    let condition: WriteCondition = previous === null ? { ifNoneMatch: '*' } : { ifMatch: previous };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.objects.put(`${prefix}/latest.json`, body, { contentType: JSON_TYPE, condition });
        return historyKey;
      } catch (error) {
        if (!(error instanceof PreconditionFailedError) || attempt >= 5) throw error;
      }
      const current = await this.readLatest(result.repository.name);
      if (current && current.value.scannedAt >= result.scannedAt) return historyKey;
      condition = current ? { ifMatch: current.etag } : { ifNoneMatch: '*' };
    }
  }

  /** The names of the repositories that have a latest result. */
  async listRepositories(): Promise<string[]> {
    const keys = await this.objects.list('results/');
    return keys.flatMap((key) => LATEST.exec(key)?.[1] ?? []).sort();
  }

  /** The summary is a function of the latest results: any run may write it whole, no read-modify-write. */
  async writeSummary(index: SummaryIndex): Promise<void> {
    await this.objects.put(SUMMARY_KEY, json(index), { contentType: JSON_TYPE });
  }

  async readSummary(): Promise<SummaryIndex | undefined> {
    return (await this.readResult<SummaryIndex>(SUMMARY_KEY, (d) => (Array.isArray(d.repositories) ? undefined : 'has no repositories list')))?.value;
  }

  readLedger(): Promise<Versioned<AlertLedger> | undefined> {
    return this.readJson<AlertLedger>(LEDGER_KEY, checkLedger);
  }

  /** Writes the ledger if it is still the version read (`previous`; null: there was none). Throws PreconditionFailedError otherwise. */
  writeLedger(ledger: AlertLedger, previous: string | null): Promise<string> {
    return this.objects.put(LEDGER_KEY, json(ledger), { contentType: JSON_TYPE, condition: previous === null ? { ifNoneMatch: '*' } : { ifMatch: previous } });
  }
}
