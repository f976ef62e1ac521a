// The shared HTTP client's per-host fail-fast: a host whose name does not resolve or that
// refuses connections is asked at most twice per request and a few times in all, then not
// again this run; timeouts and 5xx keep their retries. Counted in fetch calls, never timed.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HostUnreachableError, HttpClient, unreachableCode, type HttpClientOptions, type UnreachableHost } from '../../../functions/adapters/http-client.ts';
import { RetryableHttpError } from '../../../functions/core/errors.ts';
import { rejectionOf } from '../../helpers/rejection.ts';

/** An error shaped like the one Node's fetch rejects with when a connection cannot be made. */
function fetchFailure(code: string, message: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code, syscall: code === 'ENOTFOUND' ? 'getaddrinfo' : 'connect' }) });
}

const notFound = (host: string) => fetchFailure('ENOTFOUND', `getaddrinfo ENOTFOUND ${host}`);
const refused = (address: string) => fetchFailure('ECONNREFUSED', `connect ECONNREFUSED ${address}`);

type Outcome = Error | number;

/**
 * A fetch that answers per host from a script (the last entry repeats) and records every
 * URL it was called with; numbers are statuses, errors are thrown.
 */
function scriptedFetch(script: Record<string, Outcome[]>): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const seen = new Map<string, number>();
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = String(input);
    calls.push(url);
    const host = new URL(url).host;
    const list = script[host] ?? [200];
    const n = seen.get(host) ?? 0;
    seen.set(host, n + 1);
    const outcome = list[Math.min(n, list.length - 1)]!;
    if (typeof outcome !== 'number') throw outcome;
    return new Response(outcome === 200 ? 'ok' : null, { status: outcome });
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

function client(fetchImpl: typeof fetch, extra: Partial<HttpClientOptions> = {}): { http: HttpClient; announced: UnreachableHost[] } {
  const announced: UnreachableHost[] = [];
  const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5_000, retries: 4, sleep: async () => undefined, fetch: fetchImpl, onHostDown: (host) => announced.push(host), ...extra });
  return { http, announced };
}

describe('HttpClient and a host that cannot be reached', () => {
  it('asks a host whose name does not resolve twice, then fails with HostUnreachableError naming host and reason', async () => {
    const { fetch, calls } = scriptedFetch({ 'index.crates.io': [notFound('index.crates.io')] });
    const { http, announced } = client(fetch);
    const error = await rejectionOf(http.request('https://index.crates.io/se/rd/serde'));
    expect(error).toBeInstanceOf(HostUnreachableError);
    expect(error).not.toBeInstanceOf(RetryableHttpError);
    expect((error as HostUnreachableError).message).toBe(
      'https://index.crates.io/se/rd/serde: index.crates.io cannot be reached (getaddrinfo ENOTFOUND index.crates.io); not asking it again this run',
    );
    expect(calls).toHaveLength(2);
    expect(announced).toEqual([{ host: 'index.crates.io', origin: 'https://index.crates.io', reason: 'ENOTFOUND', firstError: 'getaddrinfo ENOTFOUND index.crates.io', failed: 0, skipped: 0 }]);
  });

  it('makes no fetch call for requests to a host marked down, and counts them as skipped', async () => {
    const { fetch, calls } = scriptedFetch({ 'index.crates.io': [notFound('index.crates.io')] });
    const { http, announced } = client(fetch);
    await rejectionOf(http.request('https://index.crates.io/se/rd/serde'));
    const before = calls.length;
    const later = await Promise.all(['3/s/syn', 'to/ki/tokio', 'li/bc/libc'].map((path) => rejectionOf(http.request(`https://index.crates.io/${path}`))));
    expect(calls.length - before).toBe(0);
    expect(later.map((e) => [(e as HostUnreachableError).name, (e as HostUnreachableError).skipped])).toEqual([
      ['HostUnreachableError', true],
      ['HostUnreachableError', true],
      ['HostUnreachableError', true],
    ]);
    expect((later[0] as Error).message).toBe(
      'https://index.crates.io/3/s/syn: not asked: index.crates.io could not be reached earlier in this run (ENOTFOUND)',
    );
    expect(announced).toHaveLength(1);
    expect(http.unreachableHosts()).toEqual([{ host: 'index.crates.io', origin: 'https://index.crates.io', reason: 'ENOTFOUND', firstError: 'getaddrinfo ENOTFOUND index.crates.io', failed: 1, skipped: 3 }]);
  });

  it('keeps asking other hosts of the same client when one is down', async () => {
    const { fetch, calls } = scriptedFetch({ 'gone.example': [refused('192.0.2.1:443')], 'fine.example': [200] });
    const { http } = client(fetch);
    await rejectionOf(http.request('https://gone.example/a'));
    const response = await http.request('https://fine.example/b');
    expect(response.status).toBe(200);
    expect(calls.filter((u) => u.startsWith('https://fine.example/'))).toEqual(['https://fine.example/b']);
    expect(http.unreachableHosts().map((h) => [h.host, h.reason])).toEqual([['gone.example', 'ECONNREFUSED']]);
  });

  it('keys hosts by origin: another port of the same address is asked on its own', async () => {
    const { fetch } = scriptedFetch({ '127.0.0.1:1': [refused('127.0.0.1:1')], '127.0.0.1:2': [200] });
    const { http } = client(fetch);
    await rejectionOf(http.request('http://127.0.0.1:1/x'));
    expect((await http.request('http://127.0.0.1:2/x')).status).toBe(200);
    expect(http.unreachableHosts().map((h) => h.host)).toEqual(['http://127.0.0.1:1']);
  });

  it('marks a host down after its first failure when the client does not retry at all', async () => {
    const { fetch, calls } = scriptedFetch({ 'gone.example': [refused('192.0.2.1:443')] });
    const { http, announced } = client(fetch, { retries: 0 });
    await rejectionOf(http.request('https://gone.example/a'));
    await rejectionOf(http.request('https://gone.example/b'));
    expect(calls).toEqual(['https://gone.example/a']);
    expect(announced.map((h) => h.host)).toEqual(['gone.example']);
  });

  it('stops concurrent requests after three failures in a row: ten at once make at most twelve fetch calls, not fifty', async () => {
    const { fetch, calls } = scriptedFetch({ 'gone.example': [notFound('gone.example')] });
    const { http, announced } = client(fetch);
    const errors = await Promise.all(Array.from({ length: 10 }, (_, i) => rejectionOf(http.request(`https://gone.example/${i}`))));
    expect(errors.every((e) => e instanceof HostUnreachableError)).toBe(true);
    expect(calls.length).toBeGreaterThanOrEqual(10);
    expect(calls.length).toBeLessThanOrEqual(12);
    expect(announced).toHaveLength(1);
    expect(http.unreachableHosts()[0]).toMatchObject({ failed: 10, skipped: 0 });
  });

  it('clears the count of failures in a row when the host answers, so a flaky host is not marked down', async () => {
    // Each request is refused once, then answered on its retry.
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(refused('192.0.2.1:443'), 200);
    let n = 0;
    const fetchImpl = (async () => {
      const outcome = outcomes[n++]!;
      if (typeof outcome !== 'number') throw outcome;
      return new Response('ok', { status: outcome });
    }) as unknown as typeof fetch;
    const { http, announced } = client(fetchImpl);
    for (let i = 0; i < 4; i++) expect((await http.request(`https://flaky.example/${i}`)).status).toBe(200);
    expect(n).toBe(8);
    expect(announced).toEqual([]);
    expect(http.unreachableHosts()).toEqual([]);
  });

  it('keeps retrying a host that answers 503 as often as configured, without marking it down', async () => {
    const { fetch, calls } = scriptedFetch({ 'busy.example': [503] });
    const { http, announced } = client(fetch);
    const error = await rejectionOf(http.request('https://busy.example/a'));
    expect(error).toBeInstanceOf(RetryableHttpError);
    expect(calls).toHaveLength(5);
    expect(announced).toEqual([]);
  });

  it('keeps retrying a host that times out as often as configured, without marking it down', async () => {
    let calls = 0;
    // Answers only when the client gives up waiting: a slow host, not a missing one.
    const slow = ((_url: string, init: RequestInit) => {
      calls++;
      return new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    }) as unknown as typeof fetch;
    const { http, announced } = client(slow, { timeoutMs: 5, retries: 2 });
    const error = await rejectionOf(http.request('https://slow.example/a'));
    expect(error).toBeInstanceOf(RetryableHttpError);
    expect((error as Error).message).toBe('https://slow.example/a: no complete answer within 5 ms');
    expect(calls).toBe(3);
    expect(announced).toEqual([]);
  });
});

describe('unreachableCode', () => {
  it.each([
    ['a name that does not resolve', notFound('x.invalid'), 'ENOTFOUND'],
    ['a resolver that cannot answer now', fetchFailure('EAI_AGAIN', 'getaddrinfo EAI_AGAIN x'), 'EAI_AGAIN'],
    ['a refused connection', refused('127.0.0.1:9'), 'ECONNREFUSED'],
    ['no route to the host', fetchFailure('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:443'), 'EHOSTUNREACH'],
    ['no route to the network', fetchFailure('ENETUNREACH', 'connect ENETUNREACH 2001:db8::1:443'), 'ENETUNREACH'],
    ['every address refused (happy eyeballs)', new TypeError('fetch failed', { cause: Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' })]), {}) }), 'ECONNREFUSED'],
  ])('is %s → its code', (_what, error, code) => {
    expect(unreachableCode(error)).toBe(code);
  });

  it.each([
    ['a connection reset mid-way', fetchFailure('ECONNRESET', 'read ECONNRESET')],
    ['a socket closed by the other side', fetchFailure('UND_ERR_SOCKET', 'other side closed')],
    ['a timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError')],
    ['a plain value', 'boom'],
  ])('is null for %s: the host was reached or is only slow', (_what, error) => {
    expect(unreachableCode(error)).toBe(null);
  });
});

describe('HttpClient with the real fetch', () => {
  it('marks a loopback port that refuses connections down as ECONNREFUSED after two connection attempts', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    let fetches = 0;
    const counting = ((...args: Parameters<typeof fetch>) => {
      fetches++;
      return fetch(...args);
    }) as typeof fetch;
    const { http, announced } = client(counting);
    const first = await rejectionOf(http.request(`http://127.0.0.1:${port}/a`));
    const second = await rejectionOf(http.request(`http://127.0.0.1:${port}/b`));
    expect([(first as HostUnreachableError).reason, (second as HostUnreachableError).skipped]).toEqual(['ECONNREFUSED', true]);
    expect(fetches).toBe(2);
    expect(announced.map((h) => [h.host, h.reason])).toEqual([[`http://127.0.0.1:${port}`, 'ECONNREFUSED']]);
  });

  it('marks a name under .invalid (RFC 6761: never resolves) down as a DNS failure', async () => {
    const { http } = client(fetch);
    const error = await rejectionOf(http.request('http://nonexistent.invalid/x'));
    expect(error).toBeInstanceOf(HostUnreachableError);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((error as HostUnreachableError).reason);
  });
});
