// A real node:http server on 127.0.0.1 that answers like GitLab's REST API (v4) for a few
// in-memory projects: the project, commits/:ref, the recursive tree in pages (keyset with a
// Link header, or offset with X-Next-Page), raw files (a symbolic link's raw file is its
// target's path, as GitLab serves it), raw blobs, and private projects behind a token.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FakeFile, RecordedRequest } from './github-server.ts';
import { listenOnLoopback } from './listen.ts';

export type { FakeFile, RecordedRequest } from './github-server.ts';

export interface FakeGitlabProject {
  /** `group/project` or `group/sub/project`. */
  path: string;
  /** Default `main`; null for an empty project. */
  defaultBranch?: string | null;
  /** Answered only with the server's token; 404 otherwise, as GitLab does. */
  private?: boolean;
  /** The default branch's files: path → text or link. */
  files: Record<string, FakeFile>;
  /** Other branches and tags, each with its own files. */
  refs?: Record<string, Record<string, FakeFile>>;
}

export interface GitlabServerOptions {
  /** The token (PRIVATE-TOKEN header) that opens private projects; any other gets 401. */
  token?: string;
  /** Entries per tree page at most (GitLab: 100). Smaller makes pagination easy to test. */
  maxPerPage?: number;
  /** `keyset` (default) honours `pagination=keyset` with a Link header; `offset` always pages by number. */
  pagination?: 'keyset' | 'offset';
}

export interface GitlabServer {
  /** The API base to give the adapter, e.g. `http://127.0.0.1:40123/api/v4`. */
  url: string;
  requests: RecordedRequest[];
  /** The commit SHA a ref of a project resolves to (the default branch when no ref). */
  commitOf(path: string, ref?: string): string;
  close(): Promise<void>;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
/** The blob git stores: a file's text, or a link's target. */
const blobOf = (file: FakeFile) => (typeof file === 'string' ? file : file.symlink);
const blobId = (file: FakeFile) => sha1(`blob ${blobOf(file)}`);

/** Starts the server; close it in `afterAll`. */
export async function startGitlabServer(projects: FakeGitlabProject[], options: GitlabServerOptions = {}): Promise<GitlabServer> {
  const requests: RecordedRequest[] = [];
  const maxPerPage = options.maxPerPage ?? 100;
  const commitOf = (path: string, ref?: string) => sha1(`commit ${path} ${ref ?? find(path)?.defaultBranch ?? 'main'}`);
  const find = (id: string) => (/^\d+$/.test(id) ? projects[Number(id) - 1] : projects.find((p) => p.path === id));
  const filesAt = (project: FakeGitlabProject, ref: string): { sha: string; files: Record<string, FakeFile> } | undefined => {
    const refs: Record<string, Record<string, FakeFile>> = { ...project.refs };
    if (project.defaultBranch !== null) refs[project.defaultBranch ?? 'main'] = project.files;
    for (const [name, files] of Object.entries(refs)) {
      const sha = commitOf(project.path, name);
      if (ref === name || ref === sha) return { sha, files };
    }
    return undefined;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const record: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: flatHeaders(req) };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const url = new URL(req.url ?? '/', base);
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const token = req.headers['private-token'];
    const authorised = options.token !== undefined && token === options.token;
    if (token !== undefined && !authorised) return send(res, 401, { message: '401 Unauthorized' });
    if (req.method !== 'GET' || parts[0] !== 'api' || parts[1] !== 'v4' || parts[2] !== 'projects' || parts[3] === undefined) {
      return send(res, 404, { error: '404 Not Found' });
    }
    const project = find(parts[3]);
    if (!project || (project.private && !authorised)) return send(res, 404, { message: '404 Project Not Found' });
    const id = projects.indexOf(project) + 1;
    const rest = parts.slice(4);

    if (rest.length === 0) {
      return send(res, 200, { id, path_with_namespace: project.path, default_branch: project.defaultBranch === undefined ? 'main' : project.defaultBranch, visibility: project.private ? 'private' : 'public' });
    }
    if (rest[0] !== 'repository') return send(res, 404, { error: '404 Not Found' });
    if (rest[1] === 'commits' && rest[2] !== undefined) {
      const at = filesAt(project, rest.slice(2).join('/'));
      if (!at) return send(res, 404, { message: '404 Commit Not Found' });
      return send(res, 200, { id: at.sha, short_id: at.sha.slice(0, 8), title: 'fake commit' });
    }
    if (rest[1] === 'tree') {
      const at = filesAt(project, url.searchParams.get('ref') ?? project.defaultBranch ?? 'main');
      if (!at) return send(res, 404, { message: '404 Tree Not Found' });
      const all = treeEntries(at.files, url.searchParams.get('recursive') === 'true');
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), maxPerPage);
      const next = new URL(url);
      next.pathname = `/api/v4/projects/${id}/repository/tree`;
      if (url.searchParams.get('pagination') === 'keyset' && options.pagination !== 'offset') {
        const after = url.searchParams.get('page_token');
        const start = after === null ? 0 : all.findIndex((e) => e.path === after) + 1;
        const page = all.slice(start, start + perPage);
        const headers: Record<string, string> = {};
        if (start + perPage < all.length) {
          next.searchParams.set('page_token', page.at(-1)!.path);
          headers.link = `<${next.href}>; rel="next"`;
        }
        return send(res, 200, page, headers);
      }
      const number = Number(url.searchParams.get('page') ?? 1);
      const pages = Math.max(1, Math.ceil(all.length / perPage));
      const headers: Record<string, string> = { 'x-page': String(number), 'x-per-page': String(perPage), 'x-total': String(all.length), 'x-total-pages': String(pages), 'x-next-page': number < pages ? String(number + 1) : '' };
      return send(res, 200, all.slice((number - 1) * perPage, number * perPage), headers);
    }
    if (rest[1] === 'files' && rest[2] !== undefined && rest[3] === 'raw') {
      const ref = url.searchParams.get('ref');
      if (ref === null) return send(res, 400, { error: 'ref is missing' });
      const file = filesAt(project, ref)?.files[rest[2]];
      if (file === undefined) return send(res, 404, { message: '404 File Not Found' });
      return sendText(res, blobOf(file));
    }
    if (rest[1] === 'blobs' && rest[2] !== undefined && rest[3] === 'raw') {
      const all = [project.files, ...Object.values(project.refs ?? {})].flatMap((files) => Object.values(files));
      const file = all.find((f) => blobId(f) === rest[2]);
      if (file === undefined) return send(res, 404, { message: '404 Blob Not Found' });
      return sendText(res, blobOf(file));
    }
    return send(res, 404, { error: '404 Not Found' });
  });

  const origin = await listenOnLoopback(server);
  const base = `${origin}`;
  return {
    url: `${base}/api/v4`,
    requests,
    commitOf,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Folders and files sorted by path, each with GitLab's fields. */
function treeEntries(files: Record<string, FakeFile>, recursive: boolean): { id: string; name: string; type: 'tree' | 'blob'; path: string; mode: string }[] {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [
    ...[...dirs].map((path) => ({ id: sha1(`tree ${path}`), name: path.split('/').at(-1)!, type: 'tree' as const, path, mode: '040000' })),
    ...Object.entries(files).map(([path, file]) => ({ id: blobId(file), name: path.split('/').at(-1)!, type: 'blob' as const, path, mode: typeof file === 'string' ? '100644' : '120000' })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return recursive ? entries : entries.filter((e) => !e.path.includes('/'));
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function sendText(res: ServerResponse, text: string): void {
  const body = Buffer.from(text);
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.byteLength) });
  res.end(body);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.byteLength), ...headers });
  res.end(text);
}
