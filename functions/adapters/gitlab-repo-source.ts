// Reads a project's Cargo.lock and Cargo.toml files through GitLab's REST API (gitlab.com or
// self-managed): the ref resolved to a commit, discovery from the paginated repository tree,
// raw files at that commit.
import { RepoFetchError, RetryableHttpError, errorMessage } from '../core/errors.ts';
import type { RepoConfig, RepoFile, RepoSnapshot, RepoSource } from '../core/ports.ts';
import { BodyTooLargeError, type HttpClient, type HttpResponse } from './http-client.ts';
import { checkedRepoPath, filesNamed, isInSkippedDir, POLICY_FILES } from '../core/repo-paths.ts';

export interface GitlabRepoSourceOptions {
  /** The API root, e.g. `https://gitlab.com/api/v4`. */
  apiBase: string;
  /** A personal, project or group access token with read_api; sent only in the PRIVATE-TOKEN header. */
  token?: string;
  http: HttpClient;
  /** Files larger than this are refused, not read. */
  maxFileBytes: number;
  /** Pages of the tree listing (100 entries each) read before giving up. Default 1000. */
  maxTreePages?: number;
}

const MAX_API_BYTES = 32 * 1024 * 1024;
const DEFAULT_MAX_TREE_PAGES = 1000;
/** Folders whose Cargo files are build output or third-party copies, not the project's own. */
const PROJECT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;
const SHA = /^[0-9a-f]{40}$/;

const decoder = new TextDecoder();

interface Target {
  /** `gitlab group/project`, the prefix of every message. */
  where: string;
  /** `{apiBase}/projects/group%2Fproject`. */
  base: string;
}

/** The project's files at the commit its ref points to. */
export class GitlabRepoSource implements RepoSource {
  readonly #token: string | undefined;
  private readonly apiBase: string;
  private readonly http: HttpClient;
  private readonly maxFileBytes: number;
  private readonly maxTreePages: number;

  constructor(options: GitlabRepoSourceOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.#token = options.token === '' ? undefined : options.token;
    this.http = options.http;
    this.maxFileBytes = options.maxFileBytes;
    this.maxTreePages = options.maxTreePages ?? DEFAULT_MAX_TREE_PAGES;
  }

  async fetchRepository(repo: RepoConfig): Promise<RepoSnapshot> {
    if (repo.location.kind !== 'gitlab') throw new RepoFetchError(`${repo.name}: a ${repo.location.kind} location cannot be read by the GitLab source`);
    const project = repo.location.project;
    const where = `gitlab ${project}`;
    if (!PROJECT.test(project)) throw new RepoFetchError(`${where}: expected the project path "group/project" (subgroups allowed: "group/sub/project")`);
    const target: Target = { where, base: `${this.apiBase}/projects/${encodeURIComponent(project)}` };

    const ref = repo.ref ?? (await this.defaultBranch(target));
    const commit = await this.resolveCommit(target, ref, repo.ref !== null);
    const tree = repo.lockfiles === null || repo.manifests === null ? await this.listFiles(target, commit) : undefined;
    const at = { commit, ref };

    const lockfiles: RepoFile[] = [];
    for (const path of repo.lockfiles?.map((p) => checkedRepoPath(target.where, p, 'lockfiles')) ?? filesNamed(tree!, 'Cargo.lock')) {
      lockfiles.push((await this.readFile(target, at, path, repo.lockfiles ? 'lockfiles' : 'tree'))!);
    }
    const manifests: RepoFile[] = [];
    for (const path of repo.manifests?.map((p) => checkedRepoPath(target.where, p, 'manifests')) ?? filesNamed(tree!, 'Cargo.toml')) {
      manifests.push((await this.readFile(target, at, path, repo.manifests ? 'manifests' : 'tree'))!);
    }
    const policyFiles: RepoFile[] = [];
    for (const path of POLICY_FILES) {
      if (tree && !tree.includes(path)) continue;
      const file = await this.readFile(target, at, path, tree ? 'tree' : 'optional');
      if (file) policyFiles.push(file);
    }
    return { commit, ref, lockfiles, manifests, policyFiles };
  }

  private async defaultBranch(target: Target): Promise<string> {
    const response = await this.get(target, target.base, MAX_API_BYTES);
    if (response.status !== 200) throw this.statusError(target, response, 'the project');
    const branch = (this.json(target, response, 'the project') as { default_branch?: unknown }).default_branch;
    if (branch === null) throw this.fail(`${target.where}: the project has no default branch (is it empty?): push a commit, or set its branch in cratewatch.toml`, null);
    if (typeof branch !== 'string' || branch === '') throw this.malformed(target, 'the project', 'default_branch');
    return branch;
  }

  private async resolveCommit(target: Target, ref: string, configured: boolean): Promise<string> {
    const response = await this.get(target, `${target.base}/repository/commits/${encodeURIComponent(ref)}`, MAX_API_BYTES);
    if (response.status === 404 && !/project/i.test(messageOf(response))) {
      // "404 Commit Not Found": the project is there, the ref is not.
      throw this.fail(
        `${target.where}: ref "${ref}" not found (404): check the ${configured ? 'branch, tag or commit in cratewatch.toml' : 'default branch of the project'}`,
        404,
      );
    }
    if (response.status !== 200) throw this.statusError(target, response, `ref "${ref}"`);
    const id = (this.json(target, response, `ref "${ref}"`) as { id?: unknown }).id;
    if (typeof id !== 'string' || !SHA.test(id)) throw this.malformed(target, `ref "${ref}"`, 'id');
    return id;
  }

  /** Every blob path in the tree at `commit`, outside skipped folders, across all pages. */
  private async listFiles(target: Target, commit: string): Promise<string[]> {
    const files: string[] = [];
    const origin = new URL(this.apiBase).origin;
    let url: string | undefined = `${target.base}/repository/tree?recursive=true&ref=${commit}&per_page=100&pagination=keyset`;
    for (let page = 0; url !== undefined; page++) {
      if (page >= this.maxTreePages) {
        throw this.fail(
          `${target.where}: the repository tree has more than ${this.maxTreePages} pages, too large to discover its Cargo files: list them in \`lockfiles\` and \`manifests\` in cratewatch.toml`,
          null,
        );
      }
      const response = await this.get(target, url, MAX_API_BYTES);
      if (response.status !== 200) throw this.statusError(target, response, 'the repository tree');
      const entries = this.json(target, response, 'the repository tree');
      if (!Array.isArray(entries)) throw this.malformed(target, 'the repository tree', 'the list of entries');
      for (const entry of entries as unknown[]) {
        const { path, type } = (entry ?? {}) as Record<string, unknown>;
        if (typeof path !== 'string' || typeof type !== 'string') throw this.malformed(target, 'the repository tree', 'path');
        if (type === 'blob' && !isInSkippedDir(path)) files.push(path);
      }
      url = nextPage(response, url);
      // The token goes with every page, so a next link may only point back at the same API.
      if (url !== undefined && new URL(url).origin !== origin) {
        throw this.fail(`${target.where}: GitLab's next-page link points at another host (${new URL(url).origin}); check the API address ${this.apiBase}`, null);
      }
    }
    return files;
  }

  private async readFile(
    target: Target,
    at: { commit: string; ref: string },
    path: string,
    source: 'lockfiles' | 'manifests' | 'tree' | 'optional',
  ): Promise<RepoFile | undefined> {
    const url = `${target.base}/repository/files/${encodeURIComponent(path)}/raw?ref=${at.commit}`;
    let response: HttpResponse;
    try {
      response = await this.get(target, url, this.maxFileBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        throw this.fail(`${target.where}: ${path} refused: over the ${this.maxFileBytes}-byte limit per file (raise \`max_file_bytes\` in cratewatch.toml if the file is genuine)`, null, error);
      }
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

  /** GETs from the API; the shared client retries 429 and 5xx, other statuses come back. */
  private async get(target: Target, url: string, maxBytes: number): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined) headers['private-token'] = this.#token;
    try {
      return await this.http.request(url, { headers, maxBytes });
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw error;
      if (error instanceof RetryableHttpError && error.status === 429) {
        const reset = error.retryAfterMs === null ? '' : ` for another ${Math.ceil(error.retryAfterMs / 1000)} s`;
        throw this.fail(`${target.where}: rate-limited by GitLab (429)${reset}: scan again later${this.#token === undefined ? ', or set GITLAB_TOKEN' : ''}`, 429, error);
      }
      if (error instanceof RetryableHttpError) throw this.fail(`${target.where}: GitLab did not answer (${errorMessage(error)}); try again later`, error.status, error);
      throw this.fail(`${target.where}: GitLab could not be asked (${errorMessage(error)}); check the API address ${this.apiBase}`, null, error);
    }
  }

  private statusError(target: Target, response: HttpResponse, what: string): RepoFetchError {
    const { status } = response;
    const said = messageOf(response);
    const detail = said ? `: ${said}` : '';
    if (status === 401) return this.fail(`${target.where}: GitLab rejected the token (401${detail}): check that the token is valid, not expired and has read_api`, 401);
    if (status === 403) {
      return this.fail(`${target.where}: access to ${what} forbidden (403${detail}): ${this.#token === undefined ? 'set GITLAB_TOKEN' : 'check that the token has read_api and access to the project'}`, 403);
    }
    if (status === 404) {
      const hint = this.#token === undefined ? ', or set GITLAB_TOKEN for a private project' : ', and that the token may read this project';
      return this.fail(`${target.where}: not found (404): check the project path${hint}`, 404);
    }
    return this.fail(`${target.where}: unexpected answer from GitLab for ${what} (${status}${detail})`, status);
  }

  private json(target: Target, response: HttpResponse, what: string): unknown {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(response.body));
    } catch (error) {
      throw this.fail(`${target.where}: GitLab answered for ${what} with something that is not JSON; check the API address ${this.apiBase}`, response.status, error);
    }
    if (typeof value !== 'object' || value === null) throw this.malformed(target, what, 'the body');
    return value;
  }

  private malformed(target: Target, what: string, field: string): RepoFetchError {
    return this.fail(`${target.where}: GitLab's answer for ${what} has no usable \`${field}\`; check the API address ${this.apiBase}`, null);
  }

  /** Every message passes here, so the token can never reach one. */
  private fail(message: string, status: number | null, cause?: unknown): RepoFetchError {
    const text = this.#token === undefined ? message : message.split(this.#token).join('[token]');
    return new RepoFetchError(text, status, cause === undefined ? undefined : { cause });
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





/** GitLab's own explanation in an error body (`{"message": …}`), shortened. */
function messageOf(response: HttpResponse): string {
  try {
    const message = (JSON.parse(decoder.decode(response.body)) as { message?: unknown }).message;
    return typeof message === 'string' ? message.slice(0, 200) : '';
  } catch {
    return '';
  }
}
