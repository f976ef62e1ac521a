import { afterEach, describe, expect, it } from 'vitest';
import { DockerRegistryTagSource, nextLink, parseAuthenticate } from '../../functions/adapters/docker-registry.ts';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { parseImageReference } from '../../functions/core/image-reference.ts';
import { startDockerRegistryServer, type DockerRegistryServer, type DockerRegistryServerOptions } from '../helpers/docker-registry-server.ts';

const POSTGRES = ['16.0-alpine', '16.1-alpine', '16.4-alpine', '17.0-alpine', '17.2-alpine', 'alpine', 'latest'];
const REDIS = ['7.2.4-bookworm', '7.2.5-bookworm', '7.4.0-bookworm'];
const REPOSITORIES = { 'library/postgres': POSTGRES, 'library/redis': REDIS, 'team/api': ['1.4.0', '1.5.0'] };

const servers: DockerRegistryServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: DockerRegistryServerOptions = {}, repositories: Record<string, string[]> = REPOSITORIES): Promise<DockerRegistryServer> {
  const server = await startDockerRegistryServer(repositories, options);
  servers.push(server);
  return server;
}

function source(server: DockerRegistryServer, options: { pageSize?: number; maxPages?: number } = {}): DockerRegistryTagSource {
  return new DockerRegistryTagSource({
    http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5_000, retries: 0 }),
    endpoints: { 'docker.io': server.url, 'registry.example.com:5000': server.url },
    ...options,
  });
}

const image = (text: string) => parseImageReference(text);

describe('DockerRegistryTagSource with the token handshake', () => {
  it('lists every tag across pages, fetching the token once for the scope and sending it with every page', async () => {
    const server = await start();
    const registry = source(server, { pageSize: 2 });
    const listing = await registry.listTags(image('postgres:16.0-alpine'));
    expect(listing).toEqual({ kind: 'found', tags: [...POSTGRES].sort(), truncated: false });
    expect(server.tokens.map((t) => t.scope)).toEqual(['repository:library/postgres:pull']);
    const tagRequests = server.requests.filter((r) => r.kind === 'tags');
    // The first page unauthenticated (401), then it again and three more pages with the token.
    expect(tagRequests.map((r) => [r.status, r.query.last ?? null, r.authorization])).toEqual([
      [401, null, null],
      [200, null, `Bearer ${server.tokens[0]!.token}`],
      [200, '16.1-alpine', `Bearer ${server.tokens[0]!.token}`],
      [200, '17.0-alpine', `Bearer ${server.tokens[0]!.token}`],
      [200, 'alpine', `Bearer ${server.tokens[0]!.token}`],
    ]);
    expect(server.requests.filter((r) => r.kind === 'token').map((r) => r.query)).toEqual([{ service: 'registry.test', scope: 'repository:library/postgres:pull' }]);
    expect(registry.stats).toEqual({ requests: 5, tokens: 1 });
  });

  it('asks once per repository per run, and fetches one token per scope', async () => {
    const server = await start();
    const registry = source(server);
    const [a, b] = await Promise.all([registry.listTags(image('postgres:16.0-alpine')), registry.listTags(image('docker.io/library/postgres:17'))]);
    expect(a).toBe(b);
    await registry.listTags(image('redis:7.2.4-bookworm'));
    await registry.listTags(image('postgres:latest'));
    expect(server.tokens.map((t) => t.scope)).toEqual(['repository:library/postgres:pull', 'repository:library/redis:pull']);
    expect(server.requests.filter((r) => r.kind === 'tags').length).toBe(4);
  });

  it('renews a token the registry stops accepting (expired), once, and goes on', async () => {
    const server = await start({ tokenUses: 2 });
    const registry = source(server, { pageSize: 3 });
    const listing = await registry.listTags(image('postgres:16.0-alpine'));
    expect(listing).toEqual({ kind: 'found', tags: [...POSTGRES].sort(), truncated: false });
    expect(server.tokens.length).toBe(2);
    expect(server.requests.filter((r) => r.kind === 'tags').map((r) => r.status)).toEqual([401, 200, 200, 401, 200]);
  });

  it('reads a token given as `access_token`', async () => {
    const server = await start({ tokenField: 'access_token' });
    expect(await source(server).listTags(image('registry.example.com:5000/team/api:1.4.0'))).toEqual({ kind: 'found', tags: ['1.4.0', '1.5.0'], truncated: false });
  });

  it('calls the list truncated after the page limit', async () => {
    const server = await start();
    const listing = await source(server, { pageSize: 2, maxPages: 2 }).listTags(image('postgres'));
    expect(listing).toEqual({ kind: 'found', tags: ['16.0-alpine', '16.1-alpine', '16.4-alpine', '17.0-alpine'], truncated: true });
  });

  it('follows the registry cap on the page size through the Link header', async () => {
    const server = await start({ maxPageSize: 1 });
    const listing = await source(server, { pageSize: 1000 }).listTags(image('redis'));
    expect(listing).toEqual({ kind: 'found', tags: REDIS, truncated: false });
    expect(server.requests.filter((r) => r.kind === 'tags' && r.status === 200).map((r) => r.query.n)).toEqual(['1000', '1', '1']);
  });
});

describe('DockerRegistryTagSource failures', () => {
  it('says `gone` for an image the registry does not know, naming the image and registry', async () => {
    const server = await start();
    expect(await source(server).listTags(image('nosuch/thing:1.0'))).toEqual({
      kind: 'gone',
      status: 404,
      message: `image "nosuch/thing" on docker.io (${server.url}): not found (HTTP 404): check the image name, or the registry hides it from anonymous users`,
    });
  });

  it('lists an open registry without a token', async () => {
    const server = await start({ auth: 'none' });
    expect(await source(server).listTags(image('redis'))).toEqual({ kind: 'found', tags: REDIS, truncated: false });
    expect(server.tokens).toEqual([]);
  });

  it('fails a registry that asks for a password, saying so', async () => {
    const server = await start({ auth: 'basic' });
    const listing = await source(server).listTags(image('registry.example.com:5000/team/api:1.4.0'));
    expect(listing).toEqual({ kind: 'failed', message: `image "registry.example.com:5000/team/api" on registry.example.com:5000 (${server.url}): HTTP 401, the registry asks for a user name and password: tags of private images are not checked` });
  });

  it('fails when the token service answers without a token', async () => {
    const server = await start({ tokenBody: '{"expires_in":300}' });
    const listing = await source(server).listTags(image('redis'));
    expect(listing).toEqual({ kind: 'failed', message: `image "redis" on docker.io (${server.url}): the token service's answer has no \`token\` or \`access_token\` (${server.url}/token)` });
  });

  it('fails a tag list that is not the API JSON', async () => {
    const server = await start({ body: '{"name":"library/redis","tags":"7.2"}' });
    expect(await source(server).listTags(image('redis'))).toEqual({ kind: 'failed', message: `image "redis" on docker.io (${server.url}): ${server.url}/v2/library/redis/tags/list?n=1000: field \`tags\` is not a list of tags` });
  });

  it('does not follow a next page on another host (the token would go with it)', async () => {
    const server = await start({ nextOrigin: 'http://127.0.0.2:9' });
    const listing = await source(server, { pageSize: 2 }).listTags(image('redis'));
    expect(listing).toEqual({ kind: 'failed', message: `image "redis" on docker.io (${server.url}): the next page is on another host (http://127.0.0.2:9); not followed` });
  });

  it('fails an unreachable registry with a message naming it', async () => {
    const server = await start();
    const url = server.url;
    await server.close();
    servers.length = 0;
    const listing = await new DockerRegistryTagSource({ http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5_000, retries: 0 }), endpoints: { 'ghcr.io': url } }).listTags(image('ghcr.io/owner/app:1.0'));
    expect(listing.kind).toBe('failed');
    expect(listing.kind === 'failed' && listing.message.startsWith(`image "ghcr.io/owner/app" on ghcr.io (${url}): `)).toBe(true);
  });

  it('maps registries to their API endpoints', () => {
    const registry = new DockerRegistryTagSource({ http: new HttpClient({ userAgent: 'x', timeoutMs: 1, retries: 0 }), endpoints: { 'Quay.io': 'https://quay.mirror.example/' } });
    expect(['docker.io', 'ghcr.io', 'quay.io', 'registry.example.com:5000'].map((r) => registry.endpointFor(r))).toEqual([
      'https://registry-1.docker.io',
      'https://ghcr.io',
      'https://quay.mirror.example',
      'https://registry.example.com:5000',
    ]);
  });
});

describe('parseAuthenticate and nextLink', () => {
  it('reads a Bearer challenge with quoted parameters, commas inside quotes included', () => {
    const { scheme, params } = parseAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/postgres:pull,push"');
    expect([scheme, Object.fromEntries(params)]).toEqual(['bearer', { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/postgres:pull,push' }]);
  });

  it.each([
    ['</v2/x/tags/list?last=b&n=2>; rel="next"', '/v2/x/tags/list?last=b&n=2'],
    ['<https://r.example/v2/x/tags/list?last=b>; rel=next', 'https://r.example/v2/x/tags/list?last=b'],
    ['</a>; rel="prev", </b>; rel="next"', '/b'],
    ['</a>; rel="prev"', null],
    ['garbage', null],
  ])('finds the next page in %j', (header, expected) => {
    expect(nextLink(header)).toBe(expected);
  });
});
