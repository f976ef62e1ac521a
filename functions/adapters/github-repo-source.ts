// Reads a repository's Cargo.lock and Cargo.toml files through GitHub's REST API (github.com
// or GitHub Enterprise Server): the ref resolved to a commit, discovery from the git tree,
// files as raw contents at that commit, and rate limits waited out within a budget.
import { RepoFetchError, RetryableHttpError, errorMessage } from '../core/errors.ts';
import type { RepoConfig, RepoFile, RepoSnapshot, RepoSource } from '../core/ports.ts';
import { BodyTooLargeError, parseRetryAfter, type HttpClient, type HttpResponse } from './http-client.ts';
import { checkedRepoPath, filesNamed, isInSkippedDir, POLICY_FILES, SKIPPED_DIRS } from '../core/repo-paths.ts';

export interface GithubRepoSourceOptions {
  /** `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  apiBase: string;
  /** Opens private repositories and raises the rate limit; sent only in the Authorization header. */
  token?: string;
  http: HttpClient;
  /** Files larger than this are refused, not read. */
  maxFileBytes: number;
  /** The longest this source waits for rate limits to reset, in total over all its repositories. */
  rateLimitBudgetMs: number;
  /** Tree listings allowed when GitHub truncates the recursive tree and the folders are walked one by one. */
  maxTreeRequests?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const API_VERSION = '2022-11-28';
const JSON_MEDIA = 'application/vnd.github+json';
const RAW_MEDIA = 'application/vnd.github.raw';
/** API answers (the recursive tree is at most 7 MB) are bounded separately from files. */
const MAX_API_BYTES = 32 * 1024 * 1024;
/** GitHub's advice when a rate limit gives no reset time: wait at least a minute. */
const UNKNOWN_RESET_WAIT_MS = 60_000;
/** A reset "now" (second precision) still gets a short wait, so it is not asked again at once. */
const MIN_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_RATE_LIMIT_ROUNDS = 5;
const DEFAULT_MAX_TREE_REQUESTS = 100;

const NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const SHA = /^[0-9a-f]{40}$/;

const decoder = new TextDecoder();

interface Target {
  /** `github owner/name`, the prefix of every message. */
  where: string;
  /** `{apiBase}/repos/owner/name`. */
  base: string;
}

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
  size: number | undefined;
}

interface Tree {
  entries: TreeEntry[];
  truncated: boolean;
}

/** The repository's files at the commit its ref points to. */
export class GithubRepoSource implements RepoSource {
  readonly #token: string | undefined;
  private readonly apiBase: string;
  private readonly http: HttpClient;
  private readonly maxFileBytes: number;
  private readonly maxTreeRequests: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private budgetLeftMs: number;
  /** Requests wait until then: a rate-limit wait already paid for from the budget. */
  private waitedUntil = 0;

  constructor(options: GithubRepoSourceOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.#token = options.token === '' ? undefined : options.token;
    this.http = options.http;
    this.maxFileBytes = options.maxFileBytes;
    this.budgetLeftMs = options.rateLimitBudgetMs;
    this.maxTreeRequests = options.maxTreeRequests ?? DEFAULT_MAX_TREE_REQUESTS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async fetchRepository(repo: RepoConfig): Promise<RepoSnapshot> {
    if (repo.location.kind !== 'github') throw new RepoFetchError(`${repo.name}: a ${repo.location.kind} location cannot be read by the GitHub source`);
    const fullName = repo.location.repo;
    const where = `github ${fullName}`;
    if (!NAME.test(fullName)) throw new RepoFetchError(`${where}: expected "owner/name" (for example "BurntSushi/ripgrep")`);
    const target: Target = { where, base: `${this.apiBase}/repos/${fullName.split('/').map(encodeURIComponent).join('/')}` };

    const ref = repo.ref ?? (await this.defaultBranch(target));
    const commit = await this.resolveCommit(target, ref, repo.ref !== null);
    const tree = repo.lockfiles === null || repo.manifests === null ? await this.listFiles(target, commit) : undefined;
    const sizes = new Map(tree?.map((e) => [e.path, e.size]));
    const at = { commit, ref };

    const lockfiles: RepoFile[] = [];
    for (const path of repo.lockfiles?.map((p) => checkedRepoPath(target.where, p, 'lockfiles')) ?? discovered(tree!, 'Cargo.lock')) {
      lockfiles.push((await this.readFile(target, at, path, sizes.get(path), repo.lockfiles ? 'lockfiles' : 'tree'))!);
    }
    const manifests: RepoFile[] = [];
    for (const path of repo.manifests?.map((p) => checkedRepoPath(target.where, p, 'manifests')) ?? discovered(tree!, 'Cargo.toml')) {
      manifests.push((await this.readFile(target, at, path, sizes.get(path), repo.manifests ? 'manifests' : 'tree'))!);
    }
    const policyFiles: RepoFile[] = [];
    for (const path of POLICY_FILES) {
      // With the tree at hand only files that exist are asked for; without it a 404 means absent.
      if (tree && !sizes.has(path)) continue;
      const file = await this.readFile(target, at, path, sizes.get(path), tree ? 'tree' : 'optional');
      if (file) policyFiles.push(file);
    }
    return { commit, ref, lockfiles, manifests, policyFiles };
  }

  private async defaultBranch(target: Target): Promise<string> {
    const response = await this.get(target, target.base, JSON_MEDIA, MAX_API_BYTES);
    if (response.status !== 200) throw this.statusError(target, response, 'the repository');
    const meta = this.json(target, response, 'the repository');
    const branch = (meta as { default_branch?: unknown }).default_branch;
    if (typeof branch !== 'string' || branch === '') throw this.malformed(target, 'the repository', 'default_branch');
    return branch;
  }

  private async resolveCommit(target: Target, ref: string, configured: boolean): Promise<string> {
    const response = await this.get(target, `${target.base}/commits/${encodeURIComponent(ref)}`, JSON_MEDIA, MAX_API_BYTES);
    // GitHub says 422 for a ref it does not know; a 404 may mean the repository itself, so ask.
    if (response.status === 404 && configured) await this.defaultBranch(target);
    if (response.status === 422 || response.status === 404) {
      throw this.fail(`${target.where}: ref "${ref}" not found (${response.status}): check the branch, tag or commit in cratewatch.toml`, response.status);
    }
    if (response.status === 409) throw this.fail(`${target.where}: the repository is empty (409): push a commit or remove it from cratewatch.toml`, 409);
    if (response.status !== 200) throw this.statusError(target, response, `ref "${ref}"`);
    const sha = (this.json(target, response, `ref "${ref}"`) as { sha?: unknown }).sha;
    if (typeof sha !== 'string' || !SHA.test(sha)) throw this.malformed(target, `ref "${ref}"`, 'sha');
    return sha;
  }

  /** Every blob in the tree at `commit`, outside skipped folders. */
  private async listFiles(target: Target, commit: string): Promise<TreeEntry[]> {
    const tree = await this.readTree(target, commit, true);
    if (!tree.truncated) return tree.entries.filter((e) => e.type === 'blob' && !isInSkippedDir(e.path));
    // Over GitHub's limit (100,000 entries or 7 MB) the listing is cut short: walk the folders one
    // by one instead, never entering skipped ones (a vendored tree is the usual cause), up to a cap.
    const files: TreeEntry[] = [];
    const queue = [{ sha: commit, prefix: '' }];
    for (let requests = 0; queue.length > 0; requests++) {
      if (requests >= this.maxTreeRequests) throw this.tooLarge(target, `more than ${this.maxTreeRequests} folders to list one by one`);
      const { sha, prefix } = queue.shift()!;
      const level = await this.readTree(target, sha, false);
      if (level.truncated) throw this.tooLarge(target, `the folder "${prefix || '/'}" alone is over GitHub's limit`);
      for (const entry of level.entries) {
        if (entry.type === 'tree' && !SKIPPED_DIRS.has(entry.path)) queue.push({ sha: entry.sha, prefix: `${prefix}${entry.path}/` });
        if (entry.type === 'blob') files.push({ ...entry, path: prefix + entry.path });
      }
    }
    return files;
  }

  private async readTree(target: Target, sha: string, recursive: boolean): Promise<Tree> {
    const what = `the tree at ${sha.slice(0, 12)}`;
    const response = await this.get(target, `${target.base}/git/trees/${encodeURIComponent(sha)}${recursive ? '?recursive=1' : ''}`, JSON_MEDIA, MAX_API_BYTES);
    if (response.status !== 200) throw this.statusError(target, response, what);
    const body = this.json(target, response, what) as { tree?: unknown; truncated?: unknown };
    if (!Array.isArray(body.tree)) throw this.malformed(target, what, 'tree');
    const entries: TreeEntry[] = [];
    for (const item of body.tree as unknown[]) {
      const { path, type, sha: entrySha, size } = (item ?? {}) as Record<string, unknown>;
      if (typeof path !== 'string' || typeof type !== 'string' || typeof entrySha !== 'string') throw this.malformed(target, what, 'tree[].path');
      entries.push({ path, type, sha: entrySha, size: typeof size === 'number' ? size : undefined });
    }
    return { entries, truncated: body.truncated === true };
  }

  /**
   * One file's text at the commit. `source` says why it is read: configured in `lockfiles` or
   * `manifests` (missing is the user's mistake), listed in the tree, or optional (missing: undefined).
   */
  private async readFile(
    target: Target,
    at: { commit: string; ref: string },
    path: string,
    size: number | undefined,
    source: 'lockfiles' | 'manifests' | 'tree' | 'optional',
  ): Promise<RepoFile | undefined> {
    if (size !== undefined && size > this.maxFileBytes) throw this.overLimit(target, path, size);
    const url = `${target.base}/contents/${path.split('/').map(encodeURIComponent).join('/')}?ref=${at.commit}`;
    let response: HttpResponse;
    try {
      response = await this.get(target, url, RAW_MEDIA, this.maxFileBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw this.overLimit(target, path, undefined, error);
      throw error;
    }
    if (response.status === 200) return { path, text: decoder.decode(response.body) };
    if (response.status === 404 && source === 'optional') return undefined;
    if (response.status === 404 && source === 'tree') {
      throw this.fail(`${target.where}: ${path} is in the tree of ${at.commit.slice(0, 12)} but could not be read (404): scan again`, 404);
    }
    if (response.status === 404) {
      throw this.fail(
        `${target.where}: ${path} not found at ${at.ref} (${at.commit.slice(0, 12)}) (404): fix the \`${source}\` paths of this repository in cratewatch.toml, or remove them to discover every ${source === 'lockfiles' ? 'Cargo.lock' : 'Cargo.toml'}`,
        404,
      );
    }
    throw this.statusError(target, response, path);
  }

  /** GETs from the API, waiting out rate limits within the budget; other statuses come back. */
  private async get(target: Target, url: string, accept: string, maxBytes: number): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept, 'x-github-api-version': API_VERSION };
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
        if (!(error instanceof RetryableHttpError)) {
          throw this.fail(`${target.where}: GitHub could not be asked (${errorMessage(error)}); check the API address ${this.apiBase}`, null, error);
        }
        throw this.fail(`${target.where}: GitHub did not answer (${errorMessage(error)}); try again later`, error.status, error);
      }
      if (waitMs === null) return response!;
      const status = response?.status ?? 429;
      if (round >= MAX_RATE_LIMIT_ROUNDS) {
        throw this.fail(`${target.where}: still rate-limited by GitHub (${status}) after ${round} waits: ${this.rateLimitHint()}`, status);
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
      throw this.fail(
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
      return this.fail(`${target.where}: GitHub rejected the token (401${detail}): check that the token is valid and not expired`, 401);
    }
    if (status === 403) {
      return this.fail(
        `${target.where}: access to ${what} forbidden (403${detail}): ${this.#token === undefined ? 'set GITHUB_TOKEN' : "check the token's permissions (Contents: read) and SSO authorisation"}`,
        403,
      );
    }
    if (status === 404) return this.fail(`${target.where}: not found (404): check the name${this.privateHint()}`, 404);
    return this.fail(`${target.where}: unexpected answer from GitHub for ${what} (${status}${detail})`, status);
  }

  private json(target: Target, response: HttpResponse, what: string): unknown {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(response.body));
    } catch (error) {
      throw this.fail(`${target.where}: GitHub answered for ${what} with something that is not JSON; check the API address ${this.apiBase}`, response.status, error);
    }
    if (typeof value !== 'object' || value === null) throw this.malformed(target, what, 'the body');
    return value;
  }

  private malformed(target: Target, what: string, field: string): RepoFetchError {
    return this.fail(`${target.where}: GitHub's answer for ${what} has no usable \`${field}\`; check the API address ${this.apiBase}`, null);
  }

  private overLimit(target: Target, path: string, size: number | undefined, cause?: unknown): RepoFetchError {
    const amount = size === undefined ? 'more than that' : `${size} bytes`;
    return this.fail(`${target.where}: ${path} refused: ${amount}, over the ${this.maxFileBytes}-byte limit per file (raise \`max_file_bytes\` in cratewatch.toml if the file is genuine)`, null, cause);
  }

  private tooLarge(target: Target, reason: string): RepoFetchError {
    return this.fail(
      `${target.where}: the repository is too large to discover its Cargo files (GitHub truncated the tree, and ${reason}): list them in \`lockfiles\` and \`manifests\` in cratewatch.toml`,
      null,
    );
  }

  /** Every message passes here, so the token can never reach one. */
  private fail(message: string, status: number | null, cause?: unknown): RepoFetchError {
    const text = this.#token === undefined ? message : message.split(this.#token).join('[token]');
    return new RepoFetchError(text, status, cause === undefined ? undefined : { cause });
  }
}

/** Discovered files of one name, the shallowest first. */
function discovered(tree: TreeEntry[], name: 'Cargo.lock' | 'Cargo.toml'): string[] {
  return filesNamed(tree.map((e) => e.path), name);
}




/** GitHub's own explanation in an error body (`{"message": …}`), shortened. */
function messageOf(response: HttpResponse): string {
  try {
    const message = (JSON.parse(decoder.decode(response.body)) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 200) : '';
  } catch {
    return '';
  }
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
