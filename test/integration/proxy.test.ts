// `cratewatch scan` as a process behind a proxy: HTTP_PROXY alone (no NODE_USE_ENV_PROXY)
// must send the index and advisory-archive requests through the proxy, and NO_PROXY naming
// the loopback address must send them directly. Plus the loopback proxy's own two paths.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { CLEAN_LOCK } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { listenOnLoopback } from '../helpers/listen.ts';
import { startProxyServer, type ProxyServer } from '../helpers/proxy-server.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

const HYPER = `${JSON.stringify({ name: 'hyper', vers: '0.14.28', deps: [], cksum: '0'.repeat(64), features: {}, yanked: false })}\n`;
/** Every variable that could route (or stop routing) the child's traffic, cleared so only the test's own count. */
const NO_PROXY_VARS = { HTTP_PROXY: undefined, HTTPS_PROXY: undefined, NO_PROXY: undefined, http_proxy: undefined, https_proxy: undefined, no_proxy: undefined, NODE_USE_ENV_PROXY: undefined };

let tmp: string;
let config: string;
let index: IndexServer;
let archive: ArchiveServer;

const hostOf = (url: string) => new URL(url).host;

/** Requests forwarded plus tunnels opened to `host`: fetch tunnels even plain http through CONNECT. */
const through = (proxy: ProxyServer, host: string) => (proxy.forwarded.get(host) ?? 0) + (proxy.tunnels.get(host) ?? 0);

async function scanWith(env: Record<string, string | undefined>, out: string): Promise<CliRun> {
  return runCli(['scan', '--config', config, '--out', join(tmp, out), '--no-report'], { cwd: tmp, env: { ...NO_PROXY_VARS, ...env } });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-proxy-'));
  archive = await startArchiveServer(await packAdvisoryArchive());
  index = await startIndexServer({ 'hy/pe/hyper': HYPER });
  await mkdir(join(tmp, 'quiet'));
  await writeFile(join(tmp, 'quiet', 'Cargo.lock'), CLEAN_LOCK);
  config = join(tmp, 'cratewatch.toml');
  await writeFile(config, `[sources]\nadvisory_db = "${archive.url}"\nindex = "${index.url}"\n\n[[repositories]]\nname = "quiet"\npath = "quiet"\n`);
});

afterAll(async () => {
  await Promise.all([index?.close(), archive?.close()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('cratewatch scan and the proxy variables', () => {
  it('sends the index and archive requests through HTTP_PROXY without NODE_USE_ENV_PROXY', async () => {
    const proxy = await startProxyServer();
    try {
      index.reset();
      const run = await scanWith({ HTTP_PROXY: proxy.url }, 'out-proxied');
      expect(run.stderr).not.toContain('internal error');
      expect(run.code).toBe(0);
      expect(through(proxy, hostOf(index.url))).toBeGreaterThan(0);
      expect(through(proxy, hostOf(archive.url))).toBeGreaterThan(0);
      // And the servers did answer them (through the proxy).
      expect(index.requests.map((r) => r.path)).toEqual(['hy/pe/hyper']);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('honours the lowercase http_proxy as well', async () => {
    const proxy = await startProxyServer();
    try {
      const run = await scanWith({ http_proxy: proxy.url }, 'out-lowercase');
      expect(run.code).toBe(0);
      expect(through(proxy, hostOf(index.url))).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('sends nothing through the proxy when NO_PROXY lists the loopback address', async () => {
    const proxy = await startProxyServer();
    try {
      index.reset();
      const before = archive.requests.length;
      const run = await scanWith({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, 'out-direct');
      expect(run.code).toBe(0);
      expect(proxy.log).toEqual([]);
      expect(index.requests.map((r) => r.path)).toEqual(['hy/pe/hyper']);
      expect(archive.requests.length - before).toBe(1);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('the loopback proxy helper', () => {
  let target: Server;
  let targetUrl: string;
  let proxy: ProxyServer;

  beforeAll(async () => {
    target = createServer((req, res) => res.end(`hello ${req.url}`));
    targetUrl = await listenOnLoopback(target);
    proxy = await startProxyServer();
  });
  afterAll(async () => {
    await proxy.close();
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  });

  it('forwards an absolute-URI GET to its http target and counts it', async () => {
    const { port } = new URL(proxy.url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `${targetUrl}/forwarded?x=1`, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('hello /forwarded?x=1');
    expect(proxy.forwarded.get(hostOf(targetUrl))).toBe(1);
  });

  it('opens a CONNECT tunnel to its target and counts it', async () => {
    const { port } = new URL(proxy.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'CONNECT', path: hostOf(targetUrl), agent: false });
      req.on('connect', (res, socket) => {
        expect(res.statusCode).toBe(200);
        let text = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.write(`GET /tunnelled HTTP/1.1\r\nHost: ${hostOf(targetUrl)}\r\nConnection: close\r\n\r\n`);
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer.split('\r\n').at(-1)).toBe('hello /tunnelled');
    expect(proxy.tunnels.get(hostOf(targetUrl))).toBe(1);
  });
});
