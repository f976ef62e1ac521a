// Reads a project's Cargo.lock and Cargo.toml files through GitLab's REST API (gitlab.com or
// self-managed): the ref resolved to a commit, discovery from the paginated repository tree
// with symbolic links followed, raw files at that commit. With a cache, a re-run at the same
// commit lists no tree and reads no file again, and a new commit reads only changed files.
import { RetryableHttpError, type RepoFetchError } from '../core/errors.ts';
import type { HttpCache, RepoConfig, RepoSnapshot, RepoSource } from '../core/ports.ts';
import { ForgeApi, messageOf } from './forge-api.ts';
import { readRepoFiles, RepoFileCache, SHA, type ForgeReader, type ListedEntry } from './forge-files.ts';
import { BodyTooLargeError, type HttpClient, type HttpResponse } from './http-client.ts';

export interface GitlabRepoSourceOptions {
  /** The API root, e.g. `https://gitlab.com/api/v4`. */
  apiBase: string;
  /** A personal, project or group access token with read_api; sent only in the PRIVATE-TOKEN header. */
  token?: string;
  http: HttpClient;
  /** Files larger than this are refused, not read. */
  maxFileBytes: number;
  /** The configuration file the repositories were read from, as messages name it (`cratewatch.toml`, `s3://bucket/key`). Default: "the cratewatch configuration". */
  configFile?: string;
  /** Pages of the tree listing (100 entries each) read before giving up. Default 1000. */
  maxTreePages?: number;
  /** Keeps each project's last commit and the files read at it (one object per project). */
  cache?: HttpCache;
  now?: () => number;
}

const MAX_API_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_TREE_PAGES = 1000;
/** `group/project` or `group/sub/project`; `.` and `..` are no names. */
const PROJECT = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

interface Target {
  /** `gitlab group/project`, the prefix of every message. */
  where: string;
  /** `{apiBase}/projects/group%2Fproject`. */
  base: string;
}

/** The project's files at the commit its ref points to. */
export class GitlabRepoSource implements RepoSource {
  readonly #token: string | undefined;
  private readonly api: ForgeApi;
  private readonly apiBase: string;
  private readonly http: HttpClient;
  private readonly maxFileBytes: number;
  private readonly maxTreePages: number;
  private readonly cache: HttpCache | undefined;
  private readonly now: () => number;

  constructor(options: GitlabRepoSourceOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.#token = options.token === '' ? undefined : options.token;
    this.api = new ForgeApi({ service: 'GitLab', apiBase: this.apiBase, token: this.#token, configFile: options.configFile ?? 'the cratewatch configuration' });
    this.http = options.http;
    this.maxFileBytes = options.maxFileBytes;
    this.maxTreePages = options.maxTreePages ?? DEFAULT_MAX_TREE_PAGES;
    this.cache = options.cache;
    this.now = options.now ?? Date.now;
  }

  async fetchRepository(repo: RepoConfig): Promise<RepoSnapshot> {
    if (repo.location.kind !== 'gitlab') throw this.api.fail(`${repo.name}: a ${repo.location.kind} location cannot be read by the GitLab source`, null);
    const project = repo.location.project;
    const where = `gitlab ${project}`;
    if (!PROJECT.test(project)) throw this.api.fail(`${where}: expected the project path "group/project" (subgroups allowed: "group/sub/project")`, null);
    const target: Target = { where, base: `${this.apiBase}/projects/${encodeURIComponent(project)}` };

    const files = await RepoFileCache.open(this.cache, `repo-files/gitlab/${encodeURIComponent(this.apiBase.replace(/^https?:\/\//, ''))}/${project}`);
    const ref = repo.ref ?? (await this.defaultBranch(target));
    const commit = await this.resolveCommit(target, ref, repo.ref !== null);
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
      getBlob: async (sha, maxBytes) => {
        if (!SHA.test(sha)) throw this.api.malformed(target.where, 'the repository tree', 'id');
        return this.get(target, `${target.base}/repository/blobs/${sha}/raw`, maxBytes);
      },
      getFile: (readPath, commit, headers) => this.get(target, `${target.base}/repository/files/${encodeURIComponent(readPath)}/raw?ref=${commit}`, this.maxFileBytes, headers),
      statusError: (response, what) => this.statusError(target, response, what),
    };
  }

  private async defaultBranch(target: Target): Promise<string> {
    const response = await this.get(target, target.base, MAX_API_BYTES);
    if (response.status !== 200) throw this.statusError(target, response, 'the project');
    const branch = (this.api.json(target.where, response, 'the project') as { default_branch?: unknown }).default_branch;
    if (branch === null) throw this.api.fail(`${target.where}: the project has no default branch (is it empty?): push a commit, or set its branch in ${this.api.configFile}`, null);
    if (typeof branch !== 'string' || branch === '') throw this.api.malformed(target.where, 'the project', 'default_branch');
    return branch;
  }

  private async resolveCommit(target: Target, ref: string, configured: boolean): Promise<string> {
    const response = await this.get(target, `${target.base}/repository/commits/${encodeURIComponent(ref)}`, MAX_API_BYTES);
    if (response.status === 404 && !/project/i.test(messageOf(response))) {
      // "404 Commit Not Found": the project is there, the ref is not.
      throw this.api.fail(
        `${target.where}: ref "${ref}" not found (404): check the ${configured ? `branch, tag or commit in ${this.api.configFile}` : 'default branch of the project'}`,
        404,
      );
    }
    if (response.status !== 200) throw this.statusError(target, response, `ref "${ref}"`);
    const id = (this.api.json(target.where, response, `ref "${ref}"`) as { id?: unknown }).id;
    if (typeof id !== 'string' || !SHA.test(id)) throw this.api.malformed(target.where, `ref "${ref}"`, 'id');
    return id;
  }

  /** Every entry of the tree at `commit`, across all pages. */
  private async listTree(target: Target, commit: string): Promise<ListedEntry[]> {
    const entries: ListedEntry[] = [];
    const origin = new URL(this.apiBase).origin;
    let url: string | undefined = `${target.base}/repository/tree?recursive=true&ref=${commit}&per_page=100&pagination=keyset`;
    for (let page = 0; url !== undefined; page++) {
      if (page >= this.maxTreePages) throw this.api.tooLargeToDiscover(target.where, `its tree has more than ${this.maxTreePages} pages`);
      const response = await this.get(target, url, MAX_API_BYTES);
      if (response.status !== 200) throw this.statusError(target, response, 'the repository tree');
      const listed = this.api.json(target.where, response, 'the repository tree');
      if (!Array.isArray(listed)) throw this.api.malformed(target.where, 'the repository tree', 'the list of entries');
      for (const entry of listed as unknown[]) {
        const { path, type, mode, id } = (entry ?? {}) as Record<string, unknown>;
        if (typeof path !== 'string' || typeof type !== 'string') throw this.api.malformed(target.where, 'the repository tree', 'path');
        entries.push({ path, type, mode: typeof mode === 'string' ? mode : '', sha: typeof id === 'string' ? id : '', size: undefined });
      }
      url = nextPage(response, url);
      // The token goes with every page, so a next link may only point back at the same API.
      if (url !== undefined && new URL(url).origin !== origin) {
        throw this.api.fail(`${target.where}: GitLab's next-page link points at another host (${new URL(url).origin}); check the API address ${this.apiBase}`, null);
      }
    }
    return entries;
  }

  /** GETs from the API; the shared client retries 429 and 5xx, other statuses come back. */
  private async get(target: Target, url: string, maxBytes: number, extra: Record<string, string> = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.#token !== undefined) headers['private-token'] = this.#token;
    try {
      return await this.http.request(url, { headers, maxBytes });
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw error;
      if (error instanceof RetryableHttpError && error.status === 429) {
        const reset = error.retryAfterMs === null ? '' : ` for another ${Math.ceil(error.retryAfterMs / 1000)} s`;
        throw this.api.fail(`${target.where}: rate-limited by GitLab (429)${reset}: scan again later${this.#token === undefined ? ', or set GITLAB_TOKEN' : ''}`, 429, error);
      }
      throw this.api.unreachable(target.where, error);
    }
  }

  private statusError(target: Target, response: HttpResponse, what: string): RepoFetchError {
    const { status } = response;
    const said = messageOf(response);
    const detail = said ? `: ${said}` : '';
    if (status === 401) return this.api.fail(`${target.where}: GitLab rejected the token (401${detail}): check that the token is valid, not expired and has read_api`, 401);
    if (status === 403) {
      return this.api.fail(`${target.where}: access to ${what} forbidden (403${detail}): ${this.#token === undefined ? 'set GITLAB_TOKEN' : 'check that the token has read_api and access to the project'}`, 403);
    }
    if (status === 404) {
      const hint = this.#token === undefined ? ', or set GITLAB_TOKEN for a private project' : ', and that the token may read this project';
      return this.api.fail(`${target.where}: not found (404): check the project path${hint}`, 404);
    }
    return this.api.fail(`${target.where}: unexpected answer from GitLab for ${what} (${status}${detail})`, status);
  }
}

/** The next page: the `Link: <…>; rel="next"` of keyset pagination, else `X-Next-Page` of offset pagination. */
function nextPage(response: HttpResponse, current: string): string | undefined {
  const link = response.headers.get('link');
  if (link) {
    for (const part of link.split(',')) {
      const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
      if (match) return new URL(match[1]!, current).href;
    }
  }
  const page = response.headers.get('x-next-page');
  if (page && /^\d+$/.test(page.trim())) {
    const url = new URL(current);
    url.searchParams.delete('pagination');
    url.searchParams.set('page', page.trim());
    return url.href;
  }
  return undefined;
}
