// A container registry on loopback for tests: the Docker Registry HTTP API v2 tag list
// (`GET /v2/<name>/tags/list?n=&last=`, tags in lexical order, a `Link: <…>; rel="next"`
// header while more remain), behind the anonymous token handshake (401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, tokens from `/token`), as Docker Hub,
// ghcr.io and the distribution registry answer. Every request is recorded.
import { createServer } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export const REGISTRY_SERVICE = 'registry.test';

export interface DockerRegistryServerOptions {
  /** `bearer` (the default): tokens from `/token`; `none`: open; `basic`: asks for a password (as a private registry does). */
  auth?: 'bearer' | 'none' | 'basic';
  /** The field the token comes back in: `token` (Docker Hub) or `access_token` (OAuth2 style). */
  tokenField?: 'token' | 'access_token';
  /** Tag-list requests a token is good for before it is refused (as if it had expired); unlimited by default. */
  tokenUses?: number;
  /** The most tags per page whatever `n` asks, as registries cap it. */
  maxPageSize?: number;
  /** Answer the tag list with this body (status 200) instead: for malformed answers. */
  body?: string;
  /** Put the next-page link on this origin instead (a registry pointing elsewhere). */
  nextOrigin?: string;
  /** Answer the token request with this JSON instead. */
  tokenBody?: string;
}

export interface RegistryRequest {
  /** `tags` for a tag-list request, `token` for a token request. */
  kind: 'tags' | 'token' | 'other';
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  status: number;
}

export interface DockerRegistryServer {
  /** The registry's base URL, no trailing slash. */
  url: string;
  requests: RegistryRequest[];
  /** Tokens handed out, in order, with the scope each is for. */
  tokens: { token: string; scope: string }[];
  close(): Promise<void>;
}

/** Starts the registry; `repositories` maps repository names (`library/postgres`) to their tags. */
export async function startDockerRegistryServer(repositories: Record<string, string[]>, options: DockerRegistryServerOptions = {}): Promise<DockerRegistryServer> {
  const auth = options.auth ?? 'bearer';
  const requests: RegistryRequest[] = [];
  const tokens: { token: string; scope: string }[] = [];
  const uses = new Map<string, number>();
  let origin = '';

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const query = Object.fromEntries(url.searchParams);
    const authorization = req.headers.authorization ?? null;
    const record = (kind: RegistryRequest['kind'], status: number) => requests.push({ kind, path: url.pathname, query, authorization, status });
    const json = (kind: RegistryRequest['kind'], status: number, body: unknown, headers: Record<string, string> = {}) => {
      record(kind, status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    if (url.pathname === '/token') {
      const scope = url.searchParams.get('scope') ?? '';
      if (url.searchParams.get('service') !== REGISTRY_SERVICE) return json('token', 400, { errors: [{ code: 'UNSUPPORTED', message: 'unknown service' }] });
      if (options.tokenBody !== undefined) return json('token', 200, options.tokenBody);
      const token = `tok${tokens.length + 1}.${Buffer.from(scope).toString('base64url')}`;
      tokens.push({ token, scope });
      return json('token', 200, { [options.tokenField ?? 'token']: token, expires_in: 300, issued_at: '2026-04-16T00:00:00Z' });
    }

    const match = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (!match) return json('other', 404, { errors: [{ code: 'NOT_FOUND' }] });
    const name = match[1]!;
    const scope = `repository:${name}:pull`;
    if (auth === 'basic' && authorization === null) {
      return json('tags', 401, { errors: [{ code: 'UNAUTHORIZED' }] }, { 'www-authenticate': `Basic realm="${REGISTRY_SERVICE}"` });
    }
    if (auth === 'bearer') {
      const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : null;
      const issued = tokens.find((t) => t.token === token);
      const used = token === null ? 0 : (uses.get(token) ?? 0);
      if (issued === undefined || issued.scope !== scope || used >= (options.tokenUses ?? Number.POSITIVE_INFINITY)) {
        const challenge = `Bearer realm="${origin}/token",service="${REGISTRY_SERVICE}",scope="${scope}"`;
        return json('tags', 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': challenge });
      }
      uses.set(token!, used + 1);
    }
    const tags = repositories[name];
    if (tags === undefined) return json('tags', 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    if (options.body !== undefined) return json('tags', 200, options.body);

    const sorted = [...tags].sort();
    const last = url.searchParams.get('last');
    const asked = Number(url.searchParams.get('n') ?? sorted.length);
    const n = Math.min(asked, options.maxPageSize ?? Number.POSITIVE_INFINITY);
    const rest = last === null ? sorted : sorted.filter((t) => t > last);
    const page = rest.slice(0, n);
    const headers: Record<string, string> = {};
    if (page.length < rest.length) {
      const next = `/v2/${name}/tags/list?last=${encodeURIComponent(page.at(-1)!)}&n=${n}`;
      headers.link = `<${options.nextOrigin ?? ''}${next}>; rel="next"`;
    }
    return json('tags', 200, { name, tags: page }, headers);
  });
  origin = await listenOnLoopback(server);
  return {
    url: origin,
    requests,
    tokens,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
