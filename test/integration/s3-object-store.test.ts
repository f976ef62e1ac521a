import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../functions/adapters/s3-object-store.ts';
import { PreconditionFailedError, StoreError } from '../../functions/core/errors.ts';
import { startS3Server, type S3Server } from '../helpers/s3-server.ts';
import { describeObjectStoreContract } from './object-store-contract.ts';

const BUCKET = 'cratewatch-results';
const JSON_TYPE = { contentType: 'application/json' };

let server: S3Server;
let client: S3Client;
let stores = 0;

beforeAll(async () => {
  server = await startS3Server();
  await server.createBucket(BUCKET);
  client = server.client();
});
afterAll(async () => {
  await server?.close();
});

/** A store of its own: a fresh prefix in the shared bucket. */
function newStore(s3: S3Client = client): { store: S3ObjectStore; prefix: string } {
  const prefix = `store-${++stores}/`;
  return { store: new S3ObjectStore({ client: s3, bucket: BUCKET, prefix }), prefix };
}

function requestsFor(key: string, method: string) {
  return server.requests.filter((r) => r.bucket === BUCKET && r.key === key && r.method === method);
}

describeObjectStoreContract('S3ObjectStore', async () => newStore().store);

describe('S3ObjectStore on S3', () => {
  it('stores the content type, as HeadObject shows', async () => {
    const { store, prefix } = newStore();
    await store.put('results/ripgrep/latest.json', '{}', { contentType: 'application/json; charset=utf-8' });
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}results/ripgrep/latest.json` }));
    expect(head.ContentType).toBe('application/json; charset=utf-8');
  });

  it('keeps its objects under its prefix, adds a missing trailing "/", and names s3://bucket/prefix as its location', async () => {
    const store = new S3ObjectStore({ client, bucket: BUCKET, prefix: 'team-a' });
    const other = new S3ObjectStore({ client, bucket: BUCKET, prefix: 'team-b/' });
    await store.put('results/x.json', 'a', JSON_TYPE);
    await other.put('results/y.json', 'b', JSON_TYPE);
    expect(store.location).toBe(`s3://${BUCKET}/team-a/`);
    expect(await store.list('results/')).toEqual(['results/x.json']);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'team-a/results/x.json' }));
    expect(head.ContentLength).toBe(1);
  });

  it('sends the conditions to S3 as If-None-Match and If-Match headers', async () => {
    const { store, prefix } = newStore();
    const etag = await store.put('ledger.json', '1', { ...JSON_TYPE, condition: { ifNoneMatch: '*' } });
    await store.put('ledger.json', '2', { ...JSON_TYPE, condition: { ifMatch: etag } });
    const puts = requestsFor(`${prefix}ledger.json`, 'PUT');
    expect(puts.map((r) => [r.headers['if-none-match'], r.headers['if-match'], r.status])).toEqual([
      ['*', undefined, 200],
      [undefined, etag, 200],
    ]);
  });

  it('lists 1100 keys across two ListObjectsV2 pages', async () => {
    const { store, prefix } = newStore();
    const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.pop(); key !== undefined; key = queue.pop()) await store.put(key, '', { contentType: 'text/plain' });
      }),
    );
    const listed = await store.list('many/');
    expect(listed.sort()).toEqual(keys);
    const pages = server.requests.filter((r) => r.method === 'GET' && r.key === '' && r.query.get('prefix') === `${prefix}many/`);
    expect(pages.map((r) => r.query.has('continuation-token'))).toEqual([false, true]);
  });

  it('writes when the SDK retry gets past one injected 500', async () => {
    const { store, prefix } = newStore(server.client({ maxAttempts: 3 }));
    server.failNext(1, { method: 'PUT', keyPattern: `${prefix}flaky.json` });
    const etag = await store.put('flaky.json', '{"ok":true}', JSON_TYPE);
    expect(requestsFor(`${prefix}flaky.json`, 'PUT').map((r) => r.status)).toEqual([500, 200]);
    expect((await store.get('flaky.json'))?.etag).toBe(etag);
  });

  it('throws StoreError naming bucket, key and InternalError when every attempt gets a 500', async () => {
    const { store, prefix } = newStore(server.client({ maxAttempts: 2 }));
    server.failNext(2, { method: 'PUT', keyPattern: `${prefix}down.json` });
    const error = await store.put('down.json', '{}', JSON_TYPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).key).toBe('down.json');
    expect((error as StoreError).message).toContain(`s3://${BUCKET}/${prefix}down.json: PutObject failed`);
    expect((error as StoreError).message).toContain('InternalError (HTTP 500)');
    expect(requestsFor(`${prefix}down.json`, 'PUT').map((r) => r.status)).toEqual([500, 500]);
    expect(await store.get('down.json')).toBeUndefined();
  });

  it('throws StoreError, not undefined, when a get fails with 500 on every attempt', async () => {
    const { store, prefix } = newStore(server.client({ maxAttempts: 2 }));
    await store.put('x.json', '{}', JSON_TYPE);
    server.failNext(2, { method: 'GET', keyPattern: `${prefix}x.json` });
    const error = await store.get('x.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('GetObject failed');
  });

  it('reads 409 ConditionalRequestConflict as PreconditionFailedError, so the caller reads again', async () => {
    const { store, prefix } = newStore();
    const etag = await store.put('index.json', '1', JSON_TYPE);
    server.failNext(1, { method: 'PUT', keyPattern: `${prefix}index.json`, status: 409 });
    const error = await store.put('index.json', '2', { ...JSON_TYPE, condition: { ifMatch: etag } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(new TextDecoder().decode((await store.get('index.json'))?.body)).toBe('1');
  });

  it('throws StoreError naming NoSuchBucket for a missing bucket rather than reading the object as absent', async () => {
    const store = new S3ObjectStore({ client, bucket: 'no-such-bucket' });
    const error = await store.get('x.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('s3://no-such-bucket/x.json: GetObject failed');
    expect((error as StoreError).message).toContain('NoSuchBucket');
  });
});
