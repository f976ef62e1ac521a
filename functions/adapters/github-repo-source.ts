// Reads a repository's Cargo.lock and Cargo.toml files through GitHub's REST API (github.com
// or GitHub Enterprise Server): the ref resolved to a commit, discovery from the git tree with
// symbolic links followed, files as raw contents at that commit, and rate limits waited out
// within a budget. With a cache, an unchanged repository costs one request (the commit lookup,
// answered 304) and a changed one only the files that changed.
import type { RepoFetchError } from '../core/errors.ts';
import type { HttpCache, RepoConfig, RepoSnapshot, RepoSource } from '../core/ports.ts';
import { SKIPPED_DIRS } from '../core/repo-paths.ts';
import { ForgeApi, messageOf } from './forge-api.ts';
import { readRepoFiles, RepoFileCache, SHA, type ForgeReader, type ListedEntry } from './forge-files.ts';
import { BodyTooLargeError, parseRetryAfter, type HttpClient, type HttpResponse } from './http-client.ts';

export interface GithubRepoSourceOptions {
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiBase: string;
  /** Opens private repositories and raises the rate limit; sent only in the Authorization header. */
  token?: string;
  http: HttpClient;
  /** Files larger than this are refused, not read. */
  maxFileBytes: number;
  /** The configuration file the repositories were read from, as messages name it (`cratewatch.toml`, `s3://bucket/key`). Default: "the cratewatch configuration". */
  configFile?: string;
  /** The longest this source waits for rate limits to reset, in total over all its repositories. */
  rateLimitBudgetMs: number;
  /** Tree listings allowed when GitHub truncates the recursive tree and the folders are walked one by one. */
  maxTreeRequests?: number;
  /** Keeps each repository's last commit and the files read at it (one object per repository). */
  cache?: HttpCache;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const API_VERSION = '2022-11-28';
const JSON_MEDIA = 'application/vnd.github+json';
const RAW_MEDIA = 'application/vnd.github.raw';
/** The commit's SHA alone; its ETag is the SHA, so a commit still current is answered 304. */
const SHA_MEDIA = 'application/vnd.github.sha';
/** API answers (the recursive tree is at most 7 MB) are bounded separately from files. */
const MAX_API_BYTES = 32 * 1024 * 1024;
/** GitHub's advice when a rate limit gives no reset time: wait at least a minute. */
const UNKNOWN_RESET_WAIT_MS = 60_000;
/** A reset "now" (second precision) still gets a short wait, so it is not asked again at once. */
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_RATE_LIMIT_ROUNDS = 5;
const DEFAULT_MAX_TREE_REQUESTS = 100;

/** `owner/name`; `.` and `..` are no names (a URL would resolve them to another API path). */
const NAME = /^(?!\.\.?\/)[A-Za-z0-9_.-]+\/(?!\.\.?$)[A-Za-z0-9_.-]+$/;

const decoder = new TextDecoder();

interface Target {
  /** `github owner/name`, the prefix of every message. */
  where: string;
  /** `{apiBase}/repos/owner/name`. */
  base: string;
}

interface Tree {
  entries: ListedEntry[];
  truncated: boolean;
}

/** The repository's files at the commit its ref points to. */
export class GithubRepoSource implements RepoSource {
  readonly #token: string | undefined;
  private readonly api: ForgeApi;
  private readonly apiBase: string;
  private readonly http: HttpClient;
  private readonly maxFileBytes: number;
  private readonly maxTreeRequests: number;
  private readonly cache: HttpCache | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private budgetLeftMs: number;
  /** Requests wait until then: a rate-limit wait already paid for from the budget. */
  private waitedUntil = 0;

  constructor(options: GithubRepoSourceOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.#token = options.token === '' ? undefined : options.token;
    this.api = new ForgeApi({ service: 'GitHub', apiBase: this.apiBase, token: this.#token, configFile: options.configFile ?? 'the cratewatch configuration' });
    this.http = options.http;
    this.maxFileBytes = options.maxFileBytes;
    this.budgetLeftMs = options.rateLimitBudgetMs;
    this.maxTreeRequests = options.maxTreeRequests ?? DEFAULT_MAX_TREE_REQUESTS;
    this.cache = options.cache;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async fetchRepository(repo: RepoConfig): Promise<RepoSnapshot> {
    if (repo.location.kind !== 'github') throw this.api.fail(`${repo.name}: a ${repo.location.kind} location cannot be read by the GitHub source`, null);
    const fullName = repo.location.repo;
    const where = `github ${fullName}`;
    if (!NAME.test(fullName)) throw this.api.fail(`${where}: expected "owner/name" (for example "BurntSushi/ripgrep")`, null);
    const target: Target = { where, base: `${this.apiBase}/repos/${fullName.split('/').map(encodeURIComponent).join('/')}` };

    const files = await RepoFileCache.open(this.cache, `repo-files/github/${encodeURIComponent(this.apiBase.replace(/^https?:\/\//, ''))}/${fullName}`);
    // The head first: when it is the commit read last time, nothing else needs asking.
    const commit = await this.resolveCommit(target, repo.ref, files.lastCommit);
    const ref = repo.ref ?? files.defaultBranchAt(commit) ?? (await this.defaultBranch(target));
    files.begin(commit, repo.ref === null ? ref : null);
    const at = { commit, ref };
    const { lockfiles, manifests, policyFiles, toolchainFiles } = await readRepoFiles(repo, at, files, this.reader(target));
    await files.save(new Date(this.now()));
    return { commit, ref, lockfiles, manifests, policyFiles, toolchainFiles };
  }

  /** How the shared file reading (forge-files.ts) asks this forge about one repository. */
  private reader(target: Target): ForgeReader {
    return {
      api: this.api,
      where: target.where,
      maxFileBytes: this.maxFileBytes,
      listTree: (commit) => this.listTree(target, commit),
      getBlob: (sha, maxBytes) => this.get(target, `${target.base}/git/blobs/${encodeURIComponent(sha)}`, RAW_MEDIA, maxBytes),
      getFile: (readPath, commit, headers) => this.get(target, `${target.base}/contents/${readPath.split('/').map(encodeURIComponent).join('/')}?ref=${commit}`, RAW_MEDIA, this.maxFileBytes, headers),
      statusError: (response, what) => this.statusError(target, response, what),
    };
  }

  private async defaultBranch(target: Target): Promise<string> {
    const response = await this.get(target, target.base, JSON_MEDIA, MAX_API_BYTES);
    if (response.status !== 200) throw this.statusError(target, response, 'the repository');
    const meta = this.api.json(target.where, response, 'the repository');
    const branch = (meta as { default_branch?: unknown }).default_branch;
    if (typeof branch !== 'string' || branch === '') throw this.api.malformed(target.where, 'the repository', 'default_branch');
    return branch;
  }

  /**
   * The commit `ref` (the default branch's head when null) points at. `known`, the commit read
   * last time, goes as the ETag: GitHub answers 304 while it is still the one.
   */
  private async resolveCommit(target: Target, ref: string | null, known: string | undefined): Promise<string> {
    const name = ref ?? 'HEAD';
    const what = ref === null ? 'the default branch' : `ref "${ref}"`;
    const response = await this.get(target, `${target.base}/commits/${encodeURIComponent(name)}`, SHA_MEDIA, MAX_API_BYTES, known ? { 'if-none-match': `"${known}"` } : {});
    if (response.status === 304 && known) return known;
    if (ref !== null) {
      // GitHub says 422 for a ref it does not know; a 404 may mean the repository itself, so ask.
      if (response.status === 404) await this.defaultBranch(target);
      if (response.status === 422 || response.status === 404) {
        throw this.api.fail(`${target.where}: ref "${ref}" not found (${response.status}): check the branch, tag or commit in ${this.api.configFile}`, response.status);
      }
    }
    if (response.status === 409) throw this.api.fail(`${target.where}: the repository is empty (409): push a commit or remove it from ${this.api.configFile}`, 409);
    if (response.status !== 200) throw this.statusError(target, response, what);
    const text = decoder.decode(response.body).trim();
    // A server that ignores the media type answers with the commit as JSON.
    const sha = text.startsWith('{') ? (this.api.json(target.where, response, what) as { sha?: unknown }).sha : text;
    if (typeof sha !== 'string' || !SHA.test(sha)) throw this.api.malformed(target.where, what, 'sha');
    return sha;
  }

  /** Every entry of the tree at `commit`; skipped folders are not entered when it must be walked. */
  private async listTree(target: Target, commit: string): Promise<ListedEntry[]> {
    const tree = await this.readTree(target, commit, true);
    if (!tree.truncated) return tree.entries;
    // Over GitHub's limit (100,000 entries or 7 MB) the listing is cut short: walk the folders one
    // by one instead, never entering skipped ones (a vendored tree is the usual cause), up to a cap.
    const entries: ListedEntry[] = [];
    const queue = [{ sha: commit, prefix: '' }];
    for (let requests = 0; queue.length > 0; requests++) {
      if (requests >= this.maxTreeRequests) throw this.api.tooLargeToDiscover(target.where, `GitHub truncated the tree, and more than ${this.maxTreeRequests} folders to list one by one`);
      const { sha, prefix } = queue.shift()!;
      const level = await this.readTree(target, sha, false);
      if (level.truncated) throw this.api.tooLargeToDiscover(target.where, `GitHub truncated the tree, and the folder "${prefix || '/'}" alone is over GitHub's limit`);
      for (const entry of level.entries) {
        entries.push({ ...entry, path: prefix + entry.path });
        if (entry.type === 'tree' && !SKIPPED_DIRS.has(entry.path)) queue.push({ sha: entry.sha, prefix: `${prefix}${entry.path}/` });
      }
    }
    return entries;
  }

  private async readTree(target: Target, sha: string, recursive: boolean): Promise<Tree> {
    const what = `the tree at ${sha.slice(0, 12)}`;
    const response = await this.get(target, `${target.base}/git/trees/${encodeURIComponent(sha)}${recursive ? '?recursive=1' : ''}`, JSON_MEDIA, MAX_API_BYTES);
    if (response.status !== 200) throw this.statusError(target, response, what);
    const body = this.api.json(target.where, response, what) as { tree?: unknown; truncated?: unknown };
    if (!Array.isArray(body.tree)) throw this.api.malformed(target.where, what, 'tree');
    const entries: ListedEntry[] = [];
    for (const item of body.tree as unknown[]) {
      const { path, type, mode, sha: entrySha, size } = (item ?? {}) as Record<string, unknown>;
      if (typeof path !== 'string' || typeof type !== 'string' || typeof entrySha !== 'string') throw this.api.malformed(target.where, what, 'tree[].path');
      entries.push({ path, type, mode: typeof mode === 'string' ? mode : '', sha: entrySha, size: typeof size === 'number' ? size : undefined });
    }
    return { entries, truncated: body.truncated === true };
  }

  /** GETs from the API, waiting out rate limits within the budget; other statuses come back. */
  private async get(target: Target, url: string, accept: string, maxBytes: number, extra: Record<string, string> = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept, 'x-github-api-version': API_VERSION, ...extra };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    for (let round = 0; ; round++) {
      const pause = this.waitedUntil - this.now();
      if (pause > 0) await this.sleep(pause);
      let response: HttpResponse | undefined;
      let waitMs: number | null;
      try {
        // 429s come back here unretried: their x-ratelimit-reset says how long to wait.
        response = await this.http.request(url, { headers, maxBytes, retryRateLimited: false });
        waitMs = this.rateLimitWait(response);
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw error;
        throw this.api.unreachable(target.where, error);
      }
      if (waitMs === null) return response!;
      const status = response?.status ?? 429;
      if (round >= MAX_RATE_LIMIT_ROUNDS) {
        throw this.api.fail(`${target.where}: still rate-limited by GitHub (${status}) after ${round} waits: ${this.rateLimitHint()}`, status);
      }
      await this.waitOut(target, waitMs, status);
    }
  }

  /** How long a 403/429 asks to wait, or null when it is not a rate limit. */
  private rateLimitWait(response: HttpResponse): number | null {
    if (response.status !== 403 && response.status !== 429) return null;
    const { headers } = response;
    // Reset times are read against GitHub's own clock (the Date header), so local skew does not matter.
    const serverNow = Date.parse(headers.get('date') ?? '');
    const now = Number.isNaN(serverNow) ? this.now() : serverNow;
    const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
    if (retryAfter !== null) return retryAfter;
    if (headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(headers.get('x-ratelimit-reset'));
      return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : UNKNOWN_RESET_WAIT_MS;
    }
    // A secondary rate limit may come without headers; GitHub says so in the message.
    if (/rate limit/i.test(messageOf(response))) return UNKNOWN_RESET_WAIT_MS;
    return response.status === 429 ? UNKNOWN_RESET_WAIT_MS : null;
  }

  /**
   * Sleeps until the limit resets, paying from the budget only for time not already waited:
   * repositories read concurrently that hit the same limit share one wait.
   */
  private async waitOut(target: Target, waitMs: number, status: number): Promise<void> {
    const now = this.now();
    const until = now + Math.max(waitMs, MIN_RATE_LIMIT_WAIT_MS);
    const cost = until - Math.max(now, this.waitedUntil);
    if (cost > this.budgetLeftMs) {
      throw this.api.fail(
        `${target.where}: rate-limited by GitHub (${status}) until ${new Date(until).toISOString()} (${seconds(until - now)} from now), ` +
          `longer than the ${seconds(Math.max(0, this.budgetLeftMs))} left of the rate-limit wait budget: ${this.rateLimitHint()}`,
        status,
      );
    }
    if (cost > 0) {
      this.budgetLeftMs -= cost;
      this.waitedUntil = until;
    }
    await this.sleep(until - now);
  }

  private rateLimitHint(): string {
    return this.#token === undefined
      ? 'set GITHUB_TOKEN (5,000 requests an hour instead of 60), or scan again after the reset'
      : 'scan again after the reset, or allow a longer rate-limit wait';
  }

  private privateHint(): string {
    return this.#token === undefined ? ', or set GITHUB_TOKEN for a private repository' : ', and that the token may read this repository';
  }

  private statusError(target: Target, response: HttpResponse, what: string): RepoFetchError {
    const { status } = response;
    const said = messageOf(response);
    const detail = said ? `: ${said}` : '';
    if (status === 401) {
      return this.api.fail(`${target.where}: GitHub rejected the token (401${detail}): check that the token is valid and not expired`, 401);
    }
    if (status === 403) {
      return this.api.fail(
        `${target.where}: access to ${what} forbidden (403${detail}): ${this.#token === undefined ? 'set GITHUB_TOKEN' : "check the token's permissions (Contents: read) and SSO authorisation"}`,
        403,
      );
    }
    if (status === 404) return this.api.fail(`${target.where}: not found (404): check the name${this.privateHint()}`, 404);
    return this.api.fail(`${target.where}: unexpected answer from GitHub for ${what} (${status}${detail})`, status);
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
