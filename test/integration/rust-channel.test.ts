import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { RustChannelError, RustChannelSource } from '../../functions/adapters/rust-channel.ts';
import { listenOnLoopback } from '../helpers/listen.ts';
import { MemoryHttpCache } from '../helpers/memory-http-cache.ts';

const MANIFEST = readFileSync(new URL('../fixtures/toolchains/channel-rust-stable.toml', import.meta.url), 'utf8');
const ETAG = '"manifest-2026-04-16"';

interface Seen {
  path: string;
  ifNoneMatch: string | null;
  status: number;
}

/** The channel manifest at /dist/channel-rust-stable.toml with an ETag; other paths answer what `routes` says. */
const seen: Seen[] = [];
const routes: Record<string, { status: number; body: string }> = {
  '/broken.toml': { status: 200, body: '<html>maintenance</html>' },
  '/gone.toml': { status: 404, body: 'not found' },
};
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    const ifNoneMatch = req.headers['if-none-match'] ?? null;
    const route = routes[path];
    let status: number;
    if (path === '/dist/channel-rust-stable.toml') {
      status = ifNoneMatch === ETAG ? 304 : 200;
      res.writeHead(status, { etag: ETAG, 'content-type': 'application/toml' }).end(status === 200 ? MANIFEST : undefined);
    } else {
      status = route?.status ?? 404;
      res.writeHead(status).end(route?.body ?? '');
    }
    seen.push({ path, ifNoneMatch, status });
  });
  base = await listenOnLoopback(server);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});


const http = () => new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5_000, retries: 0 });
const NOW = () => new Date('2026-04-20T06:00:00Z');

describe('RustChannelSource', () => {
  it('reads the latest stable once per run, then revalidates it with its ETag in the next run', async () => {
    seen.length = 0;
    const cache = new MemoryHttpCache();
    const url = `${base}/dist/channel-rust-stable.toml`;
    const first = new RustChannelSource({ url, http: http(), cache, now: NOW });
    const [a, b] = await Promise.all([first.latestStable(), first.latestStable()]);
    expect(a).toEqual({ version: '1.95.0', date: '2026-04-16' });
    expect(b).toBe(a);
    // Only the two fields are kept, not the megabyte of targets.
    const entry = [...cache.entries.values()][0]!;
    expect([[...cache.entries.keys()], entry.etag, new TextDecoder().decode(entry.body)]).toEqual([
      [`rust-channel/${url.replace('http://', '')}`],
      ETAG,
      'date = "2026-04-16"\n\n[pkg.rust]\nversion = "1.95.0"\n',
    ]);

    const second = new RustChannelSource({ url, http: http(), cache, now: NOW });
    expect(await second.latestStable()).toEqual({ version: '1.95.0', date: '2026-04-16' });
    expect(seen).toEqual([
      { path: '/dist/channel-rust-stable.toml', ifNoneMatch: null, status: 200 },
      { path: '/dist/channel-rust-stable.toml', ifNoneMatch: ETAG, status: 304 },
    ]);
    expect([first.stats, second.stats]).toEqual([
      { requests: 1, notModified: 0, cacheErrors: 0 },
      { requests: 1, notModified: 1, cacheErrors: 0 },
    ]);
  });

  it('works without a cache', async () => {
    const source = new RustChannelSource({ url: `${base}/dist/channel-rust-stable.toml`, http: http() });
    expect(await source.latestStable()).toEqual({ version: '1.95.0', date: '2026-04-16' });
  });

  it('rejects a page that is not a channel manifest, naming the URL', async () => {
    const source = new RustChannelSource({ url: `${base}/broken.toml`, http: http() });
    await expect(source.latestStable()).rejects.toThrow(RustChannelError);
    await expect(source.latestStable()).rejects.toThrow(`${base}/broken.toml (field \`pkg.rust.version\`): no \`[pkg.rust] version\``);
  });

  it('rejects a status other than 200, naming the URL and the setting', async () => {
    const source = new RustChannelSource({ url: `${base}/gone.toml`, http: http() });
    await expect(source.latestStable()).rejects.toThrow(`${base}/gone.toml: HTTP 404, expected 200 (check [sources] rust_channel)`);
  });

  it('defaults to the official stable channel', () => {
    expect(new RustChannelSource({ http: http() }).location).toBe('https://static.rust-lang.org/dist/channel-rust-stable.toml');
  });
});
