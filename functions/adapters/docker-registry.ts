// Image tag lists from container registries over the Docker Registry HTTP API v2
// (`GET /v2/<name>/tags/list`): the anonymous token handshake (401 + `WWW-Authenticate:
// Bearer realm=…,service=…,scope=…` → token, reused per scope for the run), pagination by
// the `Link: <…>; rel="next"` header, limits on pages and bytes. Docker Hub, ghcr.io,
// quay.io and private `host:port` registries; each registry's endpoint is configurable.
import { errorMessage } from '../core/errors.ts';
import { familiarName, type ImageReference } from '../core/image-reference.ts';
import type { ImageTagSource, TagListing } from '../core/toolchain-ports.ts';
import type { HttpClient, HttpResponse } from './http-client.ts';

/** Where Docker Hub's registry API answers (`docker.io` is the name, not the API host). */
export const DOCKER_HUB_API = 'https://registry-1.docker.io';

export interface DockerRegistryOptions {
  http: HttpClient;
  /**
   * Registry host (as in image names: `docker.io`, `ghcr.io`, `registry.example.com:5000`)
   * → API base URL. Hosts not listed are asked at `https://<host>`; `docker.io` at
   * `DOCKER_HUB_API` unless listed (a mirror).
   */
  endpoints?: Record<string, string>;
  /** Tags asked per page (`?n=`). */
  pageSize?: number;
  /** Pages read per repository before the list is called truncated. */
  maxPages?: number;
  /** Bytes accepted per response (a page or a token). */
  maxBytes?: number;
}

export interface DockerRegistryStats {
  /** Tag-list requests (every page and every retry after a challenge). */
  requests: number;
  /** Token requests to a realm. */
  tokens: number;
}

interface Challenge {
  realm: string;
  service: string | null;
  scope: string | null;
}

interface Repo {
  registry: string;
  repository: string;
  base: string;
  /** `image "postgres" on docker.io (https://registry-1.docker.io)`, for messages. */
  label: string;
}

/** A listing that failed: becomes `failed` (or `gone`) with its message. */
class ListingError extends Error {
  override name = 'ListingError';
  readonly status: number | null;
  constructor(message: string, status: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

const decoder = new TextDecoder();
const MAX_TAGS = 200_000;

/**
 * Reads a `WWW-Authenticate` value: the scheme and its `key="value"` / `key=token` parameters.
 * A linear scan (no regular expression over the whole header).
 */
export function parseAuthenticate(header: string): { scheme: string; params: Map<string, string> } {
  const text = header.trim().slice(0, 4096);
  const space = text.search(/\s/);
  const scheme = (space === -1 ? text : text.slice(0, space)).toLowerCase();
  const params = new Map<string, string>();
  let i = space === -1 ? text.length : space;
  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === ',' || text[i] === '\t')) i++;
    const eq = text.indexOf('=', i);
    if (eq === -1) break;
    const key = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      i++;
    } else {
      const end = text.indexOf(',', i);
      value = text.slice(i, end === -1 ? text.length : end).trim();
      i = end === -1 ? text.length : end;
    }
    if (key !== '' && !params.has(key)) params.set(key, value);
  }
  return { scheme, params };
}

/** The `rel="next"` target of a `Link` header, or null. */
export function nextLink(header: string | null): string | null {
  if (header === null) return null;
  for (const part of header.slice(0, 8192).split(',')) {
    const open = part.indexOf('<');
    const close = part.indexOf('>', open + 1);
    if (open === -1 || close === -1) continue;
    const params = part.slice(close + 1).split(';').map((p) => p.trim().toLowerCase().replace(/\s*=\s*/, '='));
    if (params.includes('rel="next"') || params.includes('rel=next')) return part.slice(open + 1, close).trim();
  }
  return null;
}

export class DockerRegistryTagSource implements ImageTagSource {
  readonly stats: DockerRegistryStats = { requests: 0, tokens: 0 };
  private readonly http: HttpClient;
  private readonly endpoints: Map<string, string>;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly maxBytes: number;
  private readonly listings = new Map<string, Promise<TagListing>>();
  /** Tokens by realm, service and scope: one handshake per scope per run. */
  private readonly tokens = new Map<string, Promise<string>>();
  /** The challenge each repository answered with, so its later pages go with the token at once. */
  private readonly challenges = new Map<string, Challenge>();

  constructor(options: DockerRegistryOptions) {
    this.http = options.http;
    this.endpoints = new Map(Object.entries(options.endpoints ?? {}).map(([host, url]) => [host.toLowerCase(), url.replace(/\/+$/, '')]));
    this.pageSize = options.pageSize ?? 1000;
    this.maxPages = options.maxPages ?? 20;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  }

  /** The API base URL for a registry host. */
  endpointFor(registry: string): string {
    const host = registry.toLowerCase();
    return this.endpoints.get(host) ?? (host === 'docker.io' ? DOCKER_HUB_API : `https://${host}`);
  }

  /** Every tag of the image's repository; each repository is listed once per instance (make one per run). */
  listTags(image: Pick<ImageReference, 'registry' | 'repository'>): Promise<TagListing> {
    const key = `${image.registry.toLowerCase()}/${image.repository}`;
    let pending = this.listings.get(key);
    if (pending === undefined) {
      pending = this.list(image);
      this.listings.set(key, pending);
    }
    return pending;
  }

  private async list(image: Pick<ImageReference, 'registry' | 'repository'>): Promise<TagListing> {
    const base = this.endpointFor(image.registry);
    const repo: Repo = { registry: image.registry, repository: image.repository, base, label: `image "${familiarName(image)}" on ${image.registry} (${base})` };
    try {
      return await this.readPages(repo);
    } catch (error) {
      if (error instanceof ListingError && error.status === 404) return { kind: 'gone', status: 404, message: error.message };
      return { kind: 'failed', message: error instanceof ListingError ? error.message : `${repo.label}: ${errorMessage(error)}` };
    }
  }

  private async readPages(repo: Repo): Promise<TagListing> {
    const origin = new URL(repo.base).origin;
    const tags: string[] = [];
    const seen = new Set<string>();
    let url: string | null = `${repo.base}/v2/${repo.repository}/tags/list?n=${this.pageSize}`;
    for (let page = 1; url !== null; page++) {
      if (page > this.maxPages) return { kind: 'found', tags, truncated: true };
      seen.add(url);
      const response = await this.get(url, repo);
      if (response.status !== 200) throw this.statusError(response, repo);
      for (const tag of this.parsePage(response, repo)) {
        if (tags.length >= MAX_TAGS) return { kind: 'found', tags, truncated: true };
        tags.push(tag);
      }
      const next = nextLink(response.headers.get('link'));
      if (next === null) break;
      const resolved = new URL(next, url);
      // The token goes with every page: never to another host than the registry's.
      if (resolved.origin !== origin) throw new ListingError(`${repo.label}: the next page is on another host (${resolved.origin}); not followed`);
      url = seen.has(resolved.href) ? null : resolved.href;
    }
    return { kind: 'found', tags, truncated: false };
  }

  private statusError(response: HttpResponse, repo: Repo): ListingError {
    const status = response.status;
    if (status === 404) return new ListingError(`${repo.label}: not found (HTTP 404): check the image name, or the registry hides it from anonymous users`, 404);
    if (status === 401 || status === 403) {
      const scheme = parseAuthenticate(response.headers.get('www-authenticate') ?? '').scheme;
      const how = scheme === 'basic' ? 'the registry asks for a user name and password' : 'anonymous access was refused';
      return new ListingError(`${repo.label}: HTTP ${status}, ${how}: tags of private images are not checked`, status);
    }
    return new ListingError(`${repo.label}: HTTP ${status} from ${response.url}, expected 200`, status);
  }

  private parsePage(response: HttpResponse, repo: Repo): string[] {
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(response.body));
    } catch (error) {
      throw new ListingError(`${repo.label}: ${response.url} is not JSON: ${errorMessage(error)}`, null, { cause: error });
    }
    const tags = (body as { tags?: unknown } | null)?.tags;
    if (tags === null || tags === undefined) return []; // a repository without tags says `"tags": null`
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.length <= 128)) {
      throw new ListingError(`${repo.label}: ${response.url}: field \`tags\` is not a list of tags`);
    }
    return tags as string[];
  }

  /** GETs a tag-list URL, doing the token handshake when the registry asks for it. */
  private async get(url: string, repo: Repo): Promise<HttpResponse> {
    const repoKey = `${repo.base}/${repo.repository}`;
    const known = this.challenges.get(repoKey);
    let token = known ? await this.token(known, repo, false) : null;
    let response = await this.send(url, token);
    if (response.status !== 401) return response;
    const challenge = this.challengeOf(response, repo);
    if (challenge === null) return response;
    this.challenges.set(repoKey, challenge);
    // A token of this scope that was refused has expired: fetch a new one, once.
    token = await this.token(challenge, repo, token !== null);
    response = await this.send(url, token);
    return response;
  }

  private async send(url: string, token: string | null): Promise<HttpResponse> {
    this.stats.requests++;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return this.http.request(url, { headers, maxBytes: this.maxBytes });
  }

  private challengeOf(response: HttpResponse, repo: Repo): Challenge | null {
    const { scheme, params } = parseAuthenticate(response.headers.get('www-authenticate') ?? '');
    const realm = params.get('realm');
    if (scheme !== 'bearer' || realm === undefined) return null;
    let parsed: URL;
    try {
      parsed = new URL(realm);
    } catch {
      throw new ListingError(`${repo.label}: the token realm "${realm.slice(0, 200)}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ListingError(`${repo.label}: the token realm ${parsed.href} is not http(s)`);
    return { realm: parsed.href, service: params.get('service') ?? null, scope: params.get('scope') ?? `repository:${repo.repository}:pull` };
  }

  private token(challenge: Challenge, repo: Repo, renew: boolean): Promise<string> {
    const key = `${challenge.realm} ${challenge.service ?? ''} ${challenge.scope ?? ''}`;
    let pending = renew ? undefined : this.tokens.get(key);
    if (pending === undefined) {
      pending = this.fetchToken(challenge, repo);
      this.tokens.set(key, pending);
      // A failed handshake is not kept: the next repository of the scope asks again.
      pending.catch(() => this.tokens.delete(key));
    }
    return pending;
  }

  private async fetchToken(challenge: Challenge, repo: Repo): Promise<string> {
    const url = new URL(challenge.realm);
    if (challenge.service !== null) url.searchParams.set('service', challenge.service);
    if (challenge.scope !== null) url.searchParams.set('scope', challenge.scope);
    this.stats.tokens++;
    let response: HttpResponse;
    try {
      response = await this.http.request(url.href, { headers: { accept: 'application/json' }, maxBytes: Math.min(this.maxBytes, 1024 * 1024) });
    } catch (error) {
      throw new ListingError(`${repo.label}: the token service ${url.origin} could not be asked: ${errorMessage(error)}`, null, { cause: error });
    }
    if (response.status !== 200) throw new ListingError(`${repo.label}: the token service answered HTTP ${response.status} (${url.origin}${url.pathname})`);
    let body: unknown;
    try {
      body = JSON.parse(decoder.decode(response.body));
    } catch (error) {
      throw new ListingError(`${repo.label}: the token service's answer is not JSON (${url.origin}${url.pathname})`, null, { cause: error });
    }
    const fields = (body ?? {}) as { token?: unknown; access_token?: unknown };
    const token = typeof fields.token === 'string' && fields.token !== '' ? fields.token : fields.access_token;
    if (typeof token !== 'string' || token === '' || /[\s]/.test(token)) throw new ListingError(`${repo.label}: the token service's answer has no \`token\` or \`access_token\` (${url.origin}${url.pathname})`);
    return token;
  }
}
