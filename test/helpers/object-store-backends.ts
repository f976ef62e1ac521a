// The two ObjectStore backends for suites that run once against each: the filesystem in a temp
// folder and S3 (s3rver behind the conditional-write proxy of s3-server.ts). Every store is
// fresh and empty, and comes wrapped in a recorder of the operations that reached it.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { S3ObjectStore } from '../../functions/adapters/s3-object-store.ts';
import { PreconditionFailedError, StoreError } from '../../functions/core/errors.ts';
import type { ObjectStore, PutOptions, StoredObject, WriteCondition } from '../../functions/core/ports.ts';
import { startS3Server, type S3Server } from './s3-server.ts';

/** One call that reached the store, and how it ended. */
export interface StoreOperation {
  op: 'get' | 'put' | 'list' | 'delete';
  /** The key, or the prefix of a list. */
  key: string;
  contentType?: string;
  condition?: WriteCondition;
  outcome: 'ok' | 'refused' | 'failed';
}

/** Passes every call on to `inner` and records it; `before` hooks run ahead of chosen calls. */
export class RecordingObjectStore implements ObjectStore {
  readonly operations: StoreOperation[] = [];
  readonly #inner: ObjectStore;
  readonly #beforePut: { key: string; action: () => Promise<void> }[] = [];

  constructor(inner: ObjectStore) {
    this.#inner = inner;
  }

  get location(): string {
    return this.#inner.location;
  }

  /** Runs `action` once, just before the next put of `key` reaches the store. */
  beforeNextPut(key: string, action: () => Promise<void>): void {
    this.#beforePut.push({ key, action });
  }

  /** The puts so far, as `outcome key` lines, in order. */
  putLog(): string[] {
    return this.operations.filter((o) => o.op === 'put').map((o) => `${o.outcome} ${o.key}`);
  }

  async #record<T>(operation: Omit<StoreOperation, 'outcome'>, call: () => Promise<T>): Promise<T> {
    const entry: StoreOperation = { ...operation, outcome: 'ok' };
    try {
      return await call();
    } catch (error) {
      entry.outcome = error instanceof PreconditionFailedError ? 'refused' : 'failed';
      throw error;
    } finally {
      this.operations.push(entry);
    }
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.#record({ op: 'get', key }, () => this.#inner.get(key));
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<string> {
    const hook = this.#beforePut.findIndex((h) => h.key === key);
    if (hook >= 0) await this.#beforePut.splice(hook, 1)[0]!.action();
    return this.#record({ op: 'put', key, contentType: options.contentType, condition: options.condition }, () => this.#inner.put(key, body, options));
  }

  list(prefix: string): Promise<string[]> {
    return this.#record({ op: 'list', key: prefix }, () => this.#inner.list(prefix));
  }

  delete(key: string): Promise<void> {
    return this.#record({ op: 'delete', key }, () => this.#inner.delete(key));
  }
}

/** Fails the next put of chosen keys the way a broken disk does: StoreError, nothing written. */
class FailingObjectStore implements ObjectStore {
  readonly #inner: ObjectStore;
  readonly #failing: string[] = [];

  constructor(inner: ObjectStore) {
    this.#inner = inner;
  }

  get location(): string {
    return this.#inner.location;
  }

  failNextPut(key: string): void {
    this.#failing.push(key);
  }

  get(key: string): Promise<StoredObject | undefined> {
    return this.#inner.get(key);
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<string> {
    const index = this.#failing.indexOf(key);
    if (index >= 0) {
      this.#failing.splice(index, 1);
      throw new StoreError(`${this.location}/${key}: cannot write the object (EIO: injected by the test)`, key);
    }
    return this.#inner.put(key, body, options);
  }

  list(prefix: string): Promise<string[]> {
    return this.#inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }
}

/** A request that reached the S3 proxy for one test store, its key relative to the store. */
export interface StoreRequest {
  /** `GET`, `PUT`, `DELETE`, …; `LIST` for ListObjectsV2 (then `key` is the listed prefix). */
  method: string;
  key: string;
  status: number | undefined;
}

export interface TestStore {
  /** The store to test with: the backend behind a recorder. */
  objects: RecordingObjectStore;
  /** The backend itself, for writing around the code under test. */
  raw: ObjectStore;
  /** Where an object is, as the backend's error messages name it. */
  addressOf(key: string): string;
  /** The content type kept with the object: S3's (HeadObject); the filesystem keeps none, so the one its last put passed. */
  contentTypeOf(key: string): Promise<string | undefined>;
  /** The next put of `key` fails as the backend fails: a 500 from the S3 proxy to every SDK attempt, a StoreError on the filesystem. */
  failNextPut(key: string): void;
  /** S3 only: the requests for this store's objects so far, lists included. */
  requests?: () => StoreRequest[];
}

export interface Backend {
  name: 'fs' | 's3';
  newStore(): Promise<TestStore>;
  close(): Promise<void>;
}

export function fsBackend(): Backend {
  const roots: string[] = [];
  return {
    name: 'fs',
    async newStore() {
      const root = await mkdtemp(join(tmpdir(), 'cratewatch-backend-'));
      roots.push(root);
      const raw = new FsObjectStore(root);
      const failing = new FailingObjectStore(raw);
      const objects = new RecordingObjectStore(failing);
      return {
        objects,
        raw,
        addressOf: (key) => join(root, ...key.split('/')),
        contentTypeOf: async (key) => objects.operations.findLast((o) => o.op === 'put' && o.key === key && o.outcome === 'ok')?.contentType,
        failNextPut: (key) => failing.failNextPut(key),
      };
    },
    async close() {
      await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
    },
  };
}

const BUCKET = 'cratewatch-test';
/** Attempts the SDK makes per request (its default); an injected failure fails them all. */
export const S3_ATTEMPTS = 3;

/** One s3rver for every store of the suite, started by the first `newStore`; each store has a prefix of its own. */
export function s3Backend(): Backend {
  let server: Promise<S3Server> | undefined;
  let stores = 0;
  return {
    name: 's3',
    async newStore() {
      server ??= startS3Server().then(async (s) => {
        await s.createBucket(BUCKET);
        return s;
      });
      const s3 = await server;
      const prefix = `store-${++stores}/`;
      // The SDK's retries stay on: s3rver itself answers 500 now and then when objects of one
      // folder are deleted at once (it removes emptied folders, and two deleters race).
      const client = s3.client({ maxAttempts: S3_ATTEMPTS });
      const raw = new S3ObjectStore({ client, bucket: BUCKET, prefix });
      return {
        objects: new RecordingObjectStore(raw),
        raw,
        addressOf: (key) => `s3://${BUCKET}/${prefix}${key}`,
        contentTypeOf: async (key) => (await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: prefix + key }))).ContentType,
        failNextPut: (key) => s3.failNext(S3_ATTEMPTS, { method: 'PUT', keyPattern: prefix + key, status: 500 }),
        requests: () =>
          s3.requests.flatMap((r) => {
            if (r.bucket !== BUCKET) return [];
            const listed = r.key === '' && r.method === 'GET' ? r.query.get('prefix') : null;
            if (listed?.startsWith(prefix)) return [{ method: 'LIST', key: listed.slice(prefix.length), status: r.status }];
            return r.key.startsWith(prefix) ? [{ method: r.method, key: r.key.slice(prefix.length), status: r.status }] : [];
          }),
      };
    },
    async close() {
      await (await server)?.close();
    },
  };
}
