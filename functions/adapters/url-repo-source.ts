// Reads one Cargo.lock from a plain HTTPS URL (a raw file link, an artifact store): no
// discovery, no manifests, no toolchain files, no commit.
import { RepoFetchError, RetryableHttpError, errorMessage } from '../core/errors.ts';
import type { RepoConfig, RepoSnapshot, RepoSource } from '../core/ports.ts';
import { BodyTooLargeError, type HttpClient, type HttpResponse } from './http-client.ts';

export interface UrlRepoSourceOptions {
  http: HttpClient;
  /** Files larger than this are refused, not read. */
  maxFileBytes: number;
  /** The configuration file the repositories were read from, as messages name it (`cratewatch.toml`, `s3://bucket/key`). Default: "the cratewatch configuration". */
  configFile?: string;
}

/** Plain http is only for a server on this machine (tests, a local mirror). */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const decoder = new TextDecoder();

/** The lockfile at `location.url`, under the name of its last path segment. */
export class UrlRepoSource implements RepoSource {
  private readonly http: HttpClient;
  private readonly maxFileBytes: number;
  private readonly configFile: string;

  constructor(options: UrlRepoSourceOptions) {
    this.http = options.http;
    this.maxFileBytes = options.maxFileBytes;
    this.configFile = options.configFile ?? 'the cratewatch configuration';
  }

  async fetchRepository(repo: RepoConfig): Promise<RepoSnapshot> {
    if (repo.location.kind !== 'url') throw new RepoFetchError(`${repo.name}: a ${repo.location.kind} location cannot be read by the URL source`);
    const url = parseUrl(repo.location.url);
    // A signed URL carries its secret in the query: messages show only where it points.
    const where = `url ${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;

    let response: HttpResponse;
    try {
      response = await this.http.request(url.href, { headers: { accept: 'text/plain, */*' }, maxBytes: this.maxFileBytes });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw new RepoFetchError(`${where}: refused: over the ${this.maxFileBytes}-byte limit per file (raise \`max_file_bytes\` in ${this.configFile} if the file is genuine)`, null, { cause: error });
      }
      const status = error instanceof RetryableHttpError ? error.status : null;
      throw new RepoFetchError(`${where}: no answer (${errorMessage(error)}); check the URL, or try again later`, status, { cause: error });
    }
    const { status } = response;
    if (status === 404 || status === 410) throw new RepoFetchError(`${where}: not found (${status}): check the URL in ${this.configFile}`, status);
    if (status === 401 || status === 403) {
      throw new RepoFetchError(`${where}: needs authorisation (${status}), which a URL source does not send: use a github or gitlab source for a private repository`, status);
    }
    if (status !== 200) throw new RepoFetchError(`${where}: unexpected answer (${status}): check the URL in ${this.configFile}`, status);
    if (/text\/html/i.test(response.headers.get('content-type') ?? '')) {
      throw new RepoFetchError(`${where}: the answer is a web page, not a Cargo.lock: link the raw file (for GitHub, raw.githubusercontent.com)`, status);
    }
    const path = lastSegment(url);
    return { commit: null, ref: null, lockfiles: [{ path, text: decoder.decode(response.body) }], manifests: [], policyFiles: [], toolchainFiles: [] };
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RepoFetchError(`url "${text.slice(0, 200)}": not a URL: write the full address, like "https://example.com/app/Cargo.lock"`);
  }
  const where = `url ${url.protocol}//${url.host}${url.pathname}`;
  if (url.username !== '' || url.password !== '') {
    throw new RepoFetchError(`${where}: credentials in the URL are not sent: use a github or gitlab source with a token for a private repository`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url;
  throw new RepoFetchError(`${where}: only https:// URLs are read (plain http only from this machine): change it to https://`);
}

function lastSegment(url: URL): string {
  const segment = url.pathname.split('/').at(-1) ?? '';
  if (segment === '') return 'Cargo.lock';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
