// What the GitHub and GitLab repository sources share when they read a REST API: every
// failure as a RepoFetchError with the token scrubbed from its message, JSON bodies checked,
// the service's own explanation quoted, and the same words for a file that is missing, too
// large or unreachable. A module of its own rather than part of http-client.ts, because it is
// about repository APIs and RepoFetchError, not HTTP; the architecture test names it as a
// shared helper, so the two sources share it without importing each other.
import { RepoFetchError, RetryableHttpError, errorMessage } from '../core/errors.ts';
import type { HttpResponse } from './http-client.ts';

/** Why a file is read: configured in `lockfiles` or `manifests`, listed in the tree, or optional (missing is fine). */
export type FileSource = 'lockfiles' | 'manifests' | 'tree' | 'optional';

export interface ForgeApiOptions {
  /** `GitHub` or `GitLab`, as messages name it. */
  service: string;
  apiBase: string;
  token: string | undefined;
  /** The configuration file the repositories were read from, as messages name it (`cratewatch.toml`, `s3://bucket/key`). */
  configFile: string;
}

const decoder = new TextDecoder();

/** The replies and failures of one service's API; `where` (`github owner/name`) starts every message. */
export class ForgeApi {
  readonly #token: string | undefined;
  readonly service: string;
  readonly apiBase: string;
  readonly configFile: string;

  constructor(options: ForgeApiOptions) {
    this.service = options.service;
    this.apiBase = options.apiBase;
    this.configFile = options.configFile;
    this.#token = options.token === '' ? undefined : options.token;
  }

  /** Every message passes here, so the token can never reach one. */
  fail(message: string, status: number | null, cause?: unknown): RepoFetchError {
    const text = this.#token === undefined ? message : message.split(this.#token).join('[token]');
    return new RepoFetchError(text, status, cause === undefined ? undefined : { cause });
  }

  /** The body as a JSON object or array; anything else is the wrong server or a broken answer. */
  json(where: string, response: HttpResponse, what: string): object {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(response.body));
    } catch (error) {
      throw this.fail(`${where}: ${this.service} answered for ${what} with something that is not JSON; check the API address ${this.apiBase}`, response.status, error);
    }
    if (typeof value !== 'object' || value === null) throw this.malformed(where, what, 'the body');
    return value;
  }

  malformed(where: string, what: string, field: string): RepoFetchError {
    return this.fail(`${where}: ${this.service}'s answer for ${what} has no usable \`${field}\`; check the API address ${this.apiBase}`, null);
  }

  /** A request that got no usable answer: retries spent on 5xx or timeouts, or no connection at all. */
  unreachable(where: string, error: unknown): RepoFetchError {
    if (error instanceof RetryableHttpError) return this.fail(`${where}: ${this.service} did not answer (${errorMessage(error)}); try again later`, error.status, error);
    return this.fail(`${where}: ${this.service} could not be asked (${errorMessage(error)}); check the API address ${this.apiBase}`, null, error);
  }

  /** A 404 for a file that should be there: listed in the tree just read, or configured. */
  fileMissing(where: string, at: { commit: string; ref: string }, path: string, source: Exclude<FileSource, 'optional'>): RepoFetchError {
    if (source === 'tree') return this.fail(`${where}: ${path} is in the tree of ${at.commit.slice(0, 12)} but could not be read (404): scan again`, 404);
    return this.fail(
      `${where}: ${path} not found at ${at.ref} (${at.commit.slice(0, 12)}) (404): fix the \`${source}\` paths of this repository in ${this.configFile}, or remove them to discover every ${source === 'lockfiles' ? 'Cargo.lock' : 'Cargo.toml'}`,
      404,
    );
  }

  /** A file over the per-file limit; `size` when the tree said it, undefined when the download ran over. */
  overLimit(where: string, path: string, maxBytes: number, size: number | undefined, cause?: unknown): RepoFetchError {
    const amount = size === undefined ? '' : `${size} bytes, `;
    return this.fail(`${where}: ${path} refused: ${amount}over the ${maxBytes}-byte limit per file (raise \`max_file_bytes\` in ${this.configFile} if the file is genuine)`, null, cause);
  }

  /** Discovery gave up: the tree is larger than the source will list. */
  tooLargeToDiscover(where: string, reason: string): RepoFetchError {
    return this.fail(`${where}: the repository is too large to discover its Cargo files (${reason}): list them in \`lockfiles\` and \`manifests\` in ${this.configFile}`, null);
  }
}

/** The service's own explanation in an error body (`{"message": …}`), shortened; '' when there is none. */
export function messageOf(response: HttpResponse): string {
  try {
    const message = (JSON.parse(decoder.decode(response.body)) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 200) : '';
  } catch {
    return '';
  }
}
