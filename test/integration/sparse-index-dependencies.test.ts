// SparseIndexSource.dependencyRequirements against a loopback index: what each release of a
// dependent requires of a duplicated crate, read from the file the run's lookup already has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import type { HttpCache } from '../../functions/core/ports.ts';
import { indexPath } from '../../functions/core/sparse-index.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { MemoryHttpCache } from '../helpers/memory-http-cache.ts';

const FIRST_RUN = new Date('2026-09-01T06:00:00Z');
const NEXT_RUN = new Date('2026-09-02T06:00:00Z');
const fixture = (crate: string) => readFileSync(join(FIXTURES, 'duplicates-index', indexPath(crate)), 'utf8');


let server: IndexServer;

beforeAll(async () => {
  server = await startIndexServer(
    { [indexPath('tower-http')]: fixture('tower-http'), [indexPath('http-body')]: fixture('http-body'), [indexPath('old-client')]: fixture('old-client'), [indexPath('broken')]: 'not json\n' },
    { answers: { [indexPath('down')]: [{ kind: 'status', status: 503 }] } },
  );
});
afterAll(async () => {
  await server.close();
});

function source(cache: HttpCache, now: Date): SparseIndexSource {
  return new SparseIndexSource({ baseUrl: server.url, cache, http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2000, retries: 1, baseDelayMs: 5 }), concurrency: 4, now: () => now });
}

const requestsFor = (crate: string) => server.requests.filter((r) => r.path === indexPath(crate));

describe('SparseIndexSource.dependencyRequirements', () => {
  it('answers from the file the lookup of the same run fetched, without a second request', async () => {
    server.reset();
    const index = source(new MemoryHttpCache(), FIRST_RUN);
    const lookup = await index.lookup('tower-http');
    expect(lookup.kind).toBe('found');
    const answer = await index.dependencyRequirements('tower-http', 'http');
    expect(answer.kind === 'found' && answer.releases.map((r) => [r.version, r.deps.map((d) => `${d.kind} ${d.req}`)])).toEqual([
      ['0.4.3', ['normal ^0.2.7']],
      ['0.4.4', ['normal ^0.2.7']],
      ['0.5.0-alpha.1', ['normal ^1.0.0']],
      ['0.5.0', ['normal ^1.0.0', 'dev ^0.2']],
      ['0.5.1', ['normal ^1.0.0']],
    ]);
    expect(requestsFor('tower-http')).toHaveLength(1);
    expect(index.stats.fresh).toBe(1);
  });

  it('fetches once when asked first, shares one answer per crate and dependency, and reads another dependency from the cache', async () => {
    server.reset();
    const index = source(new MemoryHttpCache(), FIRST_RUN);
    const [a, b] = await Promise.all([index.dependencyRequirements('http-body', 'http'), index.dependencyRequirements('HTTP-BODY', 'http')]);
    expect(a).toBe(b);
    const bytes = await index.dependencyRequirements('http-body', 'bytes');
    expect(bytes.kind === 'found' && bytes.releases.map((r) => r.deps.map((d) => d.req))).toEqual([['^1'], ['^1'], ['^1'], ['^1'], ['^1']]);
    expect(requestsFor('http-body')).toHaveLength(1);
  });

  it('asks conditionally for a file cached by an earlier run and reads the cached body on 304', async () => {
    const cache = new MemoryHttpCache();
    await source(cache, FIRST_RUN).lookup('old-client');
    server.reset();
    const index = source(cache, NEXT_RUN);
    const answer = await index.dependencyRequirements('old-client', 'http');
    expect(answer.kind === 'found' && answer.releases.at(-1)!.deps.map((d) => d.package ?? d.name)).toEqual(['http', 'http']);
    expect(requestsFor('old-client')).toHaveLength(1);
    expect(requestsFor('old-client')[0]!.headers['if-none-match']).toMatch(/^"[0-9a-f]{32}"$/);
    expect(index.stats.notModified).toBe(1);
  });

  it.each([
    ['not in the index', 'missing', { kind: 'gone', status: 404 }],
    ['down', 'down', { kind: 'failed', message: expect.stringMatching(/^crate "down": .*503.*giving up after retries$/) }],
    ['not an index file', 'broken', { kind: 'failed', message: expect.stringContaining('HTTP 200 with an unreadable body: index file of crate "broken", line 1') }],
  ])('answers a crate that is %s without throwing', async (_what, crate, expected) => {
    const index = source(new MemoryHttpCache(), FIRST_RUN);
    expect(await index.dependencyRequirements(crate, 'http')).toEqual(expected);
  });
});
