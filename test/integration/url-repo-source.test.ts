// UrlRepoSource against a real loopback server serving one Cargo.lock.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { UrlRepoSource } from '../../functions/adapters/url-repo-source.ts';
import type { RepoConfig } from '../../functions/core/ports.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { failure, repoConfig } from '../helpers/repo-config.ts';
import { listenOnLoopback } from '../helpers/listen.ts';

const LOCK = fixtureText('v3.Cargo.lock');

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/acme/app/main/Cargo.lock' || path === '/artifacts/app.lock' || path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(LOCK);
    }
    if (path === '/acme/app/blob/main/Cargo.lock') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<!DOCTYPE html><html></html>');
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404: Not Found');
  });
  base = await listenOnLoopback(server);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests.length = 0;
});

/** Not the default name, so a message that names the configuration shows it is the one given. */
const CONFIG_FILE = 's3://ops-bucket/config/scan.toml';

function source(maxFileBytes = 1_000_000): UrlRepoSource {
  return new UrlRepoSource({ http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 0 }), maxFileBytes, configFile: CONFIG_FILE });
}

function repo(url: string): RepoConfig {
  return repoConfig('app', { kind: 'url', url });
}

describe('UrlRepoSource', () => {
  it('reads the one lockfile at the URL under its last path segment, with no commit or ref', async () => {
    expect(await source().fetchRepository(repo(`${base}/acme/app/main/Cargo.lock`))).toEqual({
      commit: null,
      ref: null,
      lockfiles: [{ path: 'Cargo.lock', text: LOCK }],
      manifests: [],
      policyFiles: [],
      toolchainFiles: [],
    });
    expect((await source().fetchRepository(repo(`${base}/artifacts/app.lock`))).lockfiles[0]!.path).toBe('app.lock');
    expect((await source().fetchRepository(repo(`${base}/`))).lockfiles[0]!.path).toBe('Cargo.lock');
  });

  it('fails with 404 and says to check the URL, without showing its query', async () => {
    const error = await failure(source().fetchRepository(repo(`${base}/acme/app/main/nothing.lock?signature=s3cr3t`)));
    expect(error.status).toBe(404);
    expect(error.message).toBe(`url ${base}/acme/app/main/nothing.lock?…: not found (404): check the URL in ${CONFIG_FILE}`);
  });

  it('refuses a web page instead of the raw file', async () => {
    const error = await failure(source().fetchRepository(repo(`${base}/acme/app/blob/main/Cargo.lock`)));
    expect(error.message).toContain('the answer is a web page, not a Cargo.lock: link the raw file');
  });

  it('refuses a file over the size limit', async () => {
    const error = await failure(source(500).fetchRepository(repo(`${base}/acme/app/main/Cargo.lock`)));
    expect(error.message).toBe(`url ${base}/acme/app/main/Cargo.lock: refused: over the 500-byte limit per file (raise \`max_file_bytes\` in ${CONFIG_FILE} if the file is genuine)`);
  });

  it.each([
    ['http://example.com/Cargo.lock', 'only https:// URLs are read'],
    ['ftp://example.com/Cargo.lock', 'only https:// URLs are read'],
    ['https://user:pw@example.com/Cargo.lock', 'credentials in the URL are not sent'],
    ['example.com/Cargo.lock', 'not a URL'],
  ])('refuses %s before asking anyone', async (url, reason) => {
    const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 0 });
    const error = await failure(new UrlRepoSource({ http, maxFileBytes: 1_000 }).fetchRepository(repo(url)));
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('pw@');
    expect(http.stats.requests).toBe(0);
  });
});
