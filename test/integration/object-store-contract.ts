// What every ObjectStore must do, run against each backend (filesystem, S3) by its own test
// file, so the result store built on the port behaves the same on both.
import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../functions/core/errors.ts';
import type { ObjectStore } from '../../functions/core/ports.ts';
import { rejectionOf } from '../helpers/rejection.ts';

const JSON_TYPE = { contentType: 'application/json' };
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

/** `makeStore` gives a new, empty store for each test. */
export function describeObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`${name} (ObjectStore contract)`, () => {
    it('returns the exact bytes put, with the etag put returned', async () => {
      const store = await makeStore();
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const etag = await store.put('results/ripgrep/blob.bin', bytes, { contentType: 'application/octet-stream' });
      const got = await store.get('results/ripgrep/blob.bin');
      expect(got).toEqual({ body: bytes, etag });
      expect(got!.body).toBeInstanceOf(Uint8Array);
    });

    it('stores a string body as its UTF-8 bytes', async () => {
      const store = await makeStore();
      await store.put('results/ripgrep/latest.json', '{"name":"ripgrep – ✓"}\n', JSON_TYPE);
      const got = await store.get('results/ripgrep/latest.json');
      expect(got!.body).toEqual(new TextEncoder().encode('{"name":"ripgrep – ✓"}\n'));
    });

    it('returns undefined for a key never written, also below a missing folder', async () => {
      const store = await makeStore();
      expect(await store.get('results/nothing.json')).toBeUndefined();
      expect(await store.get('no/such/folder/x.json')).toBeUndefined();
    });

    it('replaces an object on an unconditional put and returns the new etag', async () => {
      const store = await makeStore();
      const first = await store.put('state.json', '{"v":1}', JSON_TYPE);
      const second = await store.put('state.json', '{"v":2}', JSON_TYPE);
      expect(second).not.toBe(first);
      expect(await store.get('state.json')).toEqual({ body: new TextEncoder().encode('{"v":2}'), etag: second });
    });

    it("creates an object with ifNoneMatch '*' once and refuses the second, keeping the first content", async () => {
      const store = await makeStore();
      const etag = await store.put('ledger/alerts.json', 'first', { ...JSON_TYPE, condition: { ifNoneMatch: '*' } });
      const error = await rejectionOf(store.put('ledger/alerts.json', 'second', { ...JSON_TYPE, condition: { ifNoneMatch: '*' } }));
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect((error as PreconditionFailedError).key).toBe('ledger/alerts.json');
      const got = await store.get('ledger/alerts.json');
      expect({ text: text(got?.body), etag: got?.etag }).toEqual({ text: 'first', etag });
    });

    it("lets exactly one of 6 concurrent ifNoneMatch '*' creators win", async () => {
      const store = await makeStore();
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.put('lock.json', `writer ${i}`, { ...JSON_TYPE, condition: { ifNoneMatch: '*' } })));
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason instanceof PreconditionFailedError)).toBe(true);
      expect(text((await store.get('lock.json'))?.body)).toBe(`writer ${winners[0]}`);
    });

    it('creates again with ifNoneMatch after the object was deleted', async () => {
      const store = await makeStore();
      await store.put('once.json', 'one', { ...JSON_TYPE, condition: { ifNoneMatch: '*' } });
      await store.delete('once.json');
      await store.put('once.json', 'two', { ...JSON_TYPE, condition: { ifNoneMatch: '*' } });
      expect(text((await store.get('once.json'))?.body)).toBe('two');
    });

    it('replaces with ifMatch of the current etag and returns a new etag that get reports', async () => {
      const store = await makeStore();
      const first = await store.put('results/index.json', '{"v":1}', JSON_TYPE);
      const second = await store.put('results/index.json', '{"v":2}', { ...JSON_TYPE, condition: { ifMatch: first } });
      expect(second).not.toBe(first);
      const got = await store.get('results/index.json');
      expect({ text: text(got?.body), etag: got?.etag }).toEqual({ text: '{"v":2}', etag: second });
    });

    it('refuses ifMatch with a stale etag and keeps the newer content', async () => {
      const store = await makeStore();
      const stale = await store.put('results/index.json', '{"v":1}', JSON_TYPE);
      const current = await store.put('results/index.json', '{"v":2}', JSON_TYPE);
      const error = await rejectionOf(store.put('results/index.json', '{"v":3}', { ...JSON_TYPE, condition: { ifMatch: stale } }));
      expect(error).toBeInstanceOf(PreconditionFailedError);
      const got = await store.get('results/index.json');
      expect({ text: text(got?.body), etag: got?.etag }).toEqual({ text: '{"v":2}', etag: current });
    });

    it('refuses ifMatch on a missing key and creates nothing', async () => {
      const store = await makeStore();
      const etag = await store.put('elsewhere.json', 'x', JSON_TYPE);
      const error = await rejectionOf(store.put('missing.json', 'x', { ...JSON_TYPE, condition: { ifMatch: etag } }));
      expect(error).toBeInstanceOf(PreconditionFailedError);
      expect(await store.get('missing.json')).toBeUndefined();
    });

    it('lets exactly one of 8 concurrent ifMatch writers win when all read the same version', async () => {
      const store = await makeStore();
      await store.put('results/index.json', 'base', JSON_TYPE);
      const read = (await store.get('results/index.json'))!;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.put('results/index.json', `writer ${i}`, { ...JSON_TYPE, condition: { ifMatch: read.etag } })),
      );
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      expect(reasons.every((r) => r instanceof PreconditionFailedError)).toBe(true);
      const got = await store.get('results/index.json');
      expect({ text: text(got?.body), etag: got?.etag }).toEqual({ text: `writer ${winners[0]}`, etag: (outcomes[winners[0]!] as PromiseFulfilledResult<string>).value });
    });

    it('lists every key under a prefix, nested ones included, and none outside it', async () => {
      const store = await makeStore();
      const keys = ['a/1.json', 'a/b/2.json', 'a/b/c/3.json', 'ab/4.json', 'b/a/5.json', 'top.json'];
      for (const key of keys) await store.put(key, key, JSON_TYPE);
      expect((await store.list('a/')).sort()).toEqual(['a/1.json', 'a/b/2.json', 'a/b/c/3.json']);
      expect((await store.list('a/b/')).sort()).toEqual(['a/b/2.json', 'a/b/c/3.json']);
      expect(await store.list('none/')).toEqual([]);
    });

    it('lists nothing under a prefix whose objects were all deleted', async () => {
      const store = await makeStore();
      await store.put('cache/x/1', '1', JSON_TYPE);
      await store.put('cache/x/2', '2', JSON_TYPE);
      await store.delete('cache/x/1');
      await store.delete('cache/x/2');
      expect(await store.list('cache/')).toEqual([]);
    });

    it('deletes an object so get and list no longer see it, and deleting a missing key resolves', async () => {
      const store = await makeStore();
      await store.put('history/1.json', '1', JSON_TYPE);
      await store.put('history/2.json', '2', JSON_TYPE);
      await store.delete('history/1.json');
      expect(await store.get('history/1.json')).toBeUndefined();
      expect(await store.list('history/')).toEqual(['history/2.json']);
      await expect(store.delete('history/1.json')).resolves.toBeUndefined();
      await expect(store.delete('never/was.json')).resolves.toBeUndefined();
    });
  });
}
