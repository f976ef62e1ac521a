// A real node:http server on 127.0.0.1 that answers like GitHub's REST API for a few in-memory
// repositories: metadata, commits/{ref} (HEAD is the default branch; the SHA media type with
// its SHA as ETag), git/trees (recursive or not, truncated past a limit), git/blobs, contents
// (raw or JSON, symbolic links to files followed), ETags with 304 for a matching If-None-Match,
// private repositories behind a token, programmable rate limits, every request and byte counted.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './listen.ts';

/** A file's text, or a symbolic link (git mode 120000) to `symlink`, relative to the link's folder. */
export type FakeFile = string | { symlink: string };

export interface FakeGithubRepo {
  /** `owner/name`. */
  fullName: string;
  /** Default `main`. */
  defaultBranch?: string;
  /** Answered only with the server's token; 404 otherwise, as GitHub does. */
  private?: boolean;
  /** The default branch's files: path → text or link. */
  files: Record<string, FakeFile>;
  /** Other branches and tags, each with its own files. */
  refs?: Record<string, Record<string, FakeFile>>;
}

export interface RateLimitRule {
  /** `once`: the next request only; `always`: every request; `until-reset`: every request until the reset passes. */
  mode: 'once' | 'always' | 'until-reset';
  /** `x-ratelimit-reset` is this many seconds after the current second. */
  resetInSeconds: number;
  /** 403, as GitHub answers an exhausted primary limit (default), or 429. */
  status?: 403 | 429;
  /** Also send `retry-after` (a secondary rate limit). */
  retryAfterSeconds?: number;
}

export interface GithubServerOptions {
  /** The token that opens private repositories; any other `Authorization` gets 401. */
  token?: string;
  rateLimit?: RateLimitRule;
  /** Recursive tree listings with more entries than this come back cut, with `truncated: true`. */
  treeLimit?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** The status answered, once the answer is sent. */
  status?: number;
}

export interface GithubServer {
  /** The API base to give the adapter, e.g. `http://127.0.0.1:40123`. */
  url: string;
  requests: RecordedRequest[];
  /** The commit SHA a ref of a repository resolves to (the default branch when no ref). */
  commitOf(fullName: string, ref?: string): string;
  /** Points a branch (the default one when no ref) at a new commit holding `files`; returns its SHA. */
  push(fullName: string, files: Record<string, FakeFile>, ref?: string): string;
  setRateLimit(rule: RateLimitRule | undefined): void;
  /** Bytes read and written on every connection so far, HTTP headers included. */
  wireBytes(): { read: number; written: number };
  close(): Promise<void>;
}

interface Commit {
  repo: FakeGithubRepo;
  sha: string;
  files: Record<string, FakeFile>;
}

interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
  size?: number;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const blobSha = (text: string) => sha1(`blob ${Buffer.byteLength(text)}\0${text}`);
/** The blob git stores: a file's text, or a link's target. */
const blobOf = (file: FakeFile) => (typeof file === 'string' ? file : file.symlink);

/** Starts the server; close it in `afterAll`. */
export async function startGithubServer(repos: FakeGithubRepo[], options: GithubServerOptions = {}): Promise<GithubServer> {
  const requests: RecordedRequest[] = [];
  let rateLimit = options.rateLimit;
  let limitedUntil: number | undefined;
  const byName = new Map(repos.map((r) => [r.fullName.toLowerCase(), r]));
  const find = (fullName: string) => {
    const repo = byName.get(fullName.toLowerCase());
    if (!repo) throw new Error(`no fake repository ${fullName}`);
    return repo;
  };
  const commits = new Map<string, Commit>();
  const treeDirs = new Map<string, { commit: Commit; dir: string }>();
  const blobs = new Map<string, { repo: FakeGithubRepo; text: string }>();
  /** `owner/name\0ref` → the commit the ref points at. */
  const heads = new Map<string, string>();
  const headKey = (repo: FakeGithubRepo, ref: string) => `${repo.fullName.toLowerCase()}\0${ref}`;
  const commitOf = (fullName: string, ref?: string) => {
    const repo = find(fullName);
    const name = ref ?? repo.defaultBranch ?? 'main';
    return heads.get(headKey(repo, name)) ?? sha1(`commit ${repo.fullName} ${name}`);
  };
  const addCommit = (repo: FakeGithubRepo, ref: string, sha: string, files: Record<string, FakeFile>) => {
    const commit = { repo, sha, files };
    commits.set(sha, commit);
    heads.set(headKey(repo, ref), sha);
    for (const dir of dirsOf(files)) treeDirs.set(treeSha(commit, dir), { commit, dir });
    for (const file of Object.values(files)) blobs.set(blobSha(blobOf(file)), { repo, text: blobOf(file) });
  };
  for (const repo of repos) {
    const refs = { [repo.defaultBranch ?? 'main']: repo.files, ...repo.refs };
    for (const [ref, files] of Object.entries(refs)) addCommit(repo, ref, sha1(`commit ${repo.fullName} ${ref}`), files);
  }
  let pushes = 0;
  const push = (fullName: string, files: Record<string, FakeFile>, ref?: string) => {
    const repo = find(fullName);
    const name = ref ?? repo.defaultBranch ?? 'main';
    const sha = sha1(`commit ${repo.fullName} ${name} ${++pushes}`);
    addCommit(repo, name, sha, files);
    return sha;
  };

  /** A ref name (HEAD: the default branch) or a commit SHA of `repo`. */
  const resolve = (repo: FakeGithubRepo, ref: string): Commit | undefined => {
    const head = heads.get(headKey(repo, ref === 'HEAD' ? (repo.defaultBranch ?? 'main') : ref));
    const bySha = commits.get(ref);
    return (head === undefined ? undefined : commits.get(head)) ?? (bySha?.repo === repo ? bySha : undefined);
  };

  const rateLimited = (res: ServerResponse, now: number): boolean => {
    if (!rateLimit) return false;
    const second = Math.floor(now / 1000);
    let reset = second + rateLimit.resetInSeconds;
    if (rateLimit.mode === 'until-reset') {
      limitedUntil ??= reset * 1000;
      if (now >= limitedUntil) {
        rateLimit = undefined;
        limitedUntil = undefined;
        return false;
      }
      reset = limitedUntil / 1000;
    }
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '60',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    };
    if (rateLimit.retryAfterSeconds !== undefined) headers['retry-after'] = String(rateLimit.retryAfterSeconds);
    const status = rateLimit.status ?? 403;
    if (rateLimit.mode === 'once') rateLimit = undefined;
    send(res, status, { message: 'API rate limit exceeded for 127.0.0.1. (But here\'s the good news: Authenticated requests get a higher rate limit.)', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }, now, headers);
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const now = Date.now();
    const record: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: flatHeaders(req) };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const notFound = () => send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }, now);

    const authorization = req.headers.authorization;
    const authorised = options.token !== undefined && authorization === `Bearer ${options.token}`;
    if (authorization !== undefined && !authorised) {
      return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' }, now);
    }
    if (rateLimited(res, now)) return;
    if (req.method !== 'GET' || parts[0] !== 'repos' || parts.length < 3) return notFound();
    const repo = byName.get(`${parts[1]}/${parts[2]}`.toLowerCase());
    if (!repo || (repo.private && !authorised)) return notFound();
    const [section, ...rest] = parts.slice(3);

    if (section === undefined) {
      return send(res, 200, { id: 1, name: parts[2], full_name: repo.fullName, private: repo.private === true, default_branch: repo.defaultBranch ?? 'main' }, now);
    }
    if (section === 'commits' && rest.length > 0) {
      const ref = rest.join('/');
      const commit = resolve(repo, ref);
      if (!commit) return send(res, 422, { message: `No commit found for SHA: ${ref}`, documentation_url: 'https://docs.github.com/rest/commits/commits#get-a-commit', status: '422' }, now);
      if ((req.headers.accept ?? '').includes('application/vnd.github.sha')) {
        // The SHA alone, with the SHA as its ETag: a client that still has it gets a 304.
        return sendRaw(res, 200, Buffer.from(commit.sha), 'application/vnd.github.sha; charset=utf-8', now, { etag: `"${commit.sha}"` }, req);
      }
      return send(res, 200, { sha: commit.sha, commit: { message: 'fake commit', tree: { sha: treeSha(commit, '') } } }, now);
    }
    if (section === 'git' && rest[0] === 'trees' && rest.length > 1) {
      const id = rest.slice(1).join('/');
      const at = treeDirs.get(id) ?? (resolve(repo, id) ? { commit: resolve(repo, id)!, dir: '' } : undefined);
      if (!at || at.commit.repo !== repo) return notFound();
      const recursive = url.searchParams.has('recursive') && !['0', 'false'].includes(url.searchParams.get('recursive')!);
      let entries = treeEntries(at.commit, at.dir, recursive);
      const truncated = recursive && options.treeLimit !== undefined && entries.length > options.treeLimit;
      if (truncated) entries = entries.slice(0, options.treeLimit);
      return send(res, 200, { sha: treeSha(at.commit, at.dir), url: `${req.url}`, tree: entries, truncated }, now);
    }
    if (section === 'git' && rest[0] === 'blobs' && rest.length === 2) {
      const blob = blobs.get(rest[1]!);
      if (!blob || blob.repo !== repo) return notFound();
      if ((req.headers.accept ?? '').includes('application/vnd.github.raw')) return sendRaw(res, 200, Buffer.from(blob.text), 'application/vnd.github.raw; charset=utf-8', now, {}, req);
      return send(res, 200, { sha: rest[1], size: Buffer.byteLength(blob.text), encoding: 'base64', content: Buffer.from(blob.text).toString('base64') }, now);
    }
    if (section === 'contents') {
      const commit = resolve(repo, url.searchParams.get('ref') ?? repo.defaultBranch ?? 'main');
      const asked = rest.join('/');
      if (commit === undefined || commit.files[asked] === undefined) return notFound();
      // As GitHub does: a link to a file of the repository answers with that file.
      const path = followLink(commit.files, asked) ?? asked;
      const file = commit.files[path]!;
      const name = path.split('/').at(-1);
      if (typeof file !== 'string') {
        if ((req.headers.accept ?? '').includes('application/vnd.github.raw')) return sendRaw(res, 200, Buffer.from(file.symlink), 'application/vnd.github.raw; charset=utf-8', now, {}, req);
        return send(res, 200, { type: 'symlink', target: file.symlink, size: Buffer.byteLength(file.symlink), name, path, sha: blobSha(file.symlink) }, now);
      }
      if ((req.headers.accept ?? '').includes('application/vnd.github.raw')) {
        return sendRaw(res, 200, Buffer.from(file), 'application/vnd.github.raw; charset=utf-8', now, { etag: `"${blobSha(file)}"` }, req);
      }
      return send(res, 200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(file), name, path, sha: blobSha(file), content: Buffer.from(file).toString('base64') }, now);
    }
    return notFound();
  };

  const server = createServer(handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => sockets.add(socket));
  const origin = await listenOnLoopback(server);
  return {
    url: `${origin}`,
    requests,
    commitOf,
    push,
    setRateLimit(rule) {
      rateLimit = rule;
      limitedUntil = undefined;
    },
    wireBytes() {
      let read = 0;
      let written = 0;
      for (const socket of sockets) {
        read += socket.bytesRead;
        written += socket.bytesWritten;
      }
      return { read, written };
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function treeSha(commit: Commit, dir: string): string {
  return sha1(`tree ${commit.sha} ${dir}`);
}

/** The file a link at `path` leads to, links followed (relative to their folder); undefined when it is not a link to a file. */
function followLink(files: Record<string, FakeFile>, path: string): string | undefined {
  let at = path;
  for (let hops = 0; hops < 10; hops++) {
    const file = files[at];
    if (file === undefined) return undefined;
    if (typeof file === 'string') return hops === 0 ? undefined : at;
    const parts = at.split('/').slice(0, -1);
    for (const part of file.symlink.split('/')) {
      if (part === '..') {
        if (parts.pop() === undefined) return undefined;
      } else if (part !== '.' && part !== '') parts.push(part);
    }
    at = parts.join('/');
  }
  return undefined;
}

/** Every folder holding a file, '' for the root. */
function dirsOf(files: Record<string, FakeFile>): Set<string> {
  const dirs = new Set(['']);
  for (const path of Object.keys(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/** The entries under `dir`, with paths relative to it, sorted as git does (by path). */
function treeEntries(commit: Commit, dir: string, recursive: boolean): TreeEntry[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  const entries: TreeEntry[] = [];
  for (const sub of dirsOf(commit.files)) {
    if (sub === '' || !sub.startsWith(prefix)) continue;
    const path = sub.slice(prefix.length);
    if (recursive || !path.includes('/')) entries.push({ path, mode: '040000', type: 'tree', sha: treeSha(commit, sub) });
  }
  for (const [file, content] of Object.entries(commit.files)) {
    if (!file.startsWith(prefix)) continue;
    const path = file.slice(prefix.length);
    const blob = blobOf(content);
    const mode = typeof content === 'string' ? '100644' : '120000';
    if (recursive || !path.includes('/')) entries.push({ path, mode, type: 'blob', sha: blobSha(blob), size: Buffer.byteLength(blob) });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function send(res: ServerResponse, status: number, body: unknown, now: number, headers: Record<string, string> = {}): void {
  sendRaw(res, status, Buffer.from(JSON.stringify(body)), 'application/json; charset=utf-8', now, headers);
}

/** Answers; with `req`, an If-None-Match that names `headers.etag` gets a 304 without the body. */
function sendRaw(res: ServerResponse, status: number, body: Buffer, type: string, now: number, headers: Record<string, string> = {}, req?: IncomingMessage): void {
  // Date comes from the same clock as x-ratelimit-reset, as on GitHub.
  const date = new Date(now).toUTCString();
  const etag = headers.etag;
  if (req && etag !== undefined && (req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim().replace(/^W\//, '')).includes(etag)) {
    res.writeHead(304, { date, etag });
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': type, 'content-length': String(body.byteLength), date, ...headers });
  res.end(body);
}
