// What the GitHub and GitLab sources do alike with a listed git tree and the files they read:
// the Cargo, policy and toolchain files of the tree with symbolic links followed (mode 120000), and one
// cached object per repository holding the commit last read and the files at it, so that a
// re-run of an unchanged commit reads nothing again and a changed one reads only changed
// files. Shared by both sources, named as a shared helper in the architecture test.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { RepoFetchError } from '../core/errors.ts';
import type { HttpCache, RepoFile } from '../core/ports.ts';
import { checkedRepoPath, filesNamed, isInSkippedDir, POLICY_FILES, toolchainPaths } from '../core/repo-paths.ts';
import { isToolchainFile, MAX_TOOLCHAIN_FILE_BYTES } from '../core/toolchain-files.ts';
import type { FileSource, ForgeApi } from './forge-api.ts';
import { BodyTooLargeError, type HttpResponse } from './http-client.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** git's mode for a symbolic link: the blob holds the path it points at. */
const SYMLINK_MODE = '120000';
/** Links followed for one path before it counts as a loop (Linux allows 40). */
const MAX_LINK_HOPS = 40;
/** 2: the tree holds toolchain files too (a tree cached by version 1 lacks them). */
const CACHE_VERSION = 2;
/** A git object id as both forges give it (SHA-1). */
export const SHA = /^[0-9a-f]{40}$/;

/** One entry of a listed tree, paths from the repository root. */
export interface ListedEntry {
  path: string;
  /** `blob`, `tree`, or `commit` (a submodule). */
  type: string;
  /** `100644`, `100755`, `120000` (a symbolic link), `040000`, `160000`. */
  mode: string;
  /** The object id. */
  sha: string;
  size: number | undefined;
}

/** A Cargo, policy or toolchain file of the tree, as a source reads it. */
export interface TreeFile {
  /** The path it is reported under. */
  path: string;
  /** The path whose text is read: `path` itself, or the file a symbolic link at `path` points at. */
  read: string;
  /** The blob read, so an unchanged file is known without asking. */
  sha: string;
  size: number | undefined;
}

const isCargoFile = (path: string) => /(^|\/)Cargo\.(lock|toml)$/.test(path);
/** Cargo files and toolchain files (Dockerfiles, compose and Kubernetes files, rust-toolchain) outside skipped folders. */
const isWantedFile = (path: string) => (isCargoFile(path) || isToolchainFile(path)) && !isInSkippedDir(path);
/** A tree path of plain parts: one with `.` or `..` would turn a file URL into another API path. */
const isPlainPath = (path: string) => path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');

/**
 * The Cargo.lock, Cargo.toml and toolchain files outside skipped folders and the root policy files, with
 * symbolic links followed as git would: `readLink(sha)` gives a link's target. A link to a
 * file of the tree is read from that file; a lockfile linked to another lockfile that is read
 * anyway is reported once, under its target. Links that lead out of the repository, to a
 * folder, to nothing or round in a loop are left out: there is no file here to read.
 */
export async function cargoFiles(entries: readonly ListedEntry[], readLink: (sha: string) => Promise<string>): Promise<TreeFile[]> {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const wanted = entries.filter((e) => e.type === 'blob' && isPlainPath(e.path) && (isWantedFile(e.path) || POLICY_FILES.includes(e.path)));
  const files: TreeFile[] = [];
  for (const entry of wanted) {
    if (entry.mode !== SYMLINK_MODE) {
      files.push({ path: entry.path, read: entry.path, sha: entry.sha, size: entry.size });
      continue;
    }
    const target = await resolveLink(byPath, entry, readLink);
    if (target) files.push({ path: entry.path, read: target.path, sha: target.sha, size: target.size });
  }
  // A lockfile read twice would report every finding twice: keep the file itself, else its first link.
  const lockfilesRead = new Set(files.filter((f) => f.path === f.read && f.path.endsWith('Cargo.lock')).map((f) => f.read));
  return files.filter((f) => {
    if (f.path === f.read || !f.path.endsWith('Cargo.lock')) return true;
    if (lockfilesRead.has(f.read)) return false;
    lockfilesRead.add(f.read);
    return true;
  });
}

/** The regular file a link leads to, every link on the way followed; undefined when there is none. */
async function resolveLink(byPath: ReadonlyMap<string, ListedEntry>, link: ListedEntry, readLink: (sha: string) => Promise<string>): Promise<ListedEntry | undefined> {
  let hops = 0;
  // Where the walk stands (a folder of the tree), what is left to walk, and a link met on the way.
  const resolved = link.path.split('/').slice(0, -1);
  let pending: string[] = [];
  let next: ListedEntry | undefined = link;
  for (;;) {
    if (next !== undefined) {
      if (++hops > MAX_LINK_HOPS) return undefined;
      // Relative to the folder holding the link, which is where the walk stands.
      const target = await readLink(next.sha);
      if (target.startsWith('/')) return undefined;
      pending = [...target.split('/'), ...pending];
      next = undefined;
    }
    const part = pending.shift();
    if (part === undefined) break;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length === 0) return undefined;
      resolved.pop();
      continue;
    }
    const entry = byPath.get([...resolved, part].join('/'));
    if (entry === undefined) return undefined;
    if (entry.type === 'blob' && entry.mode === SYMLINK_MODE) next = entry;
    else resolved.push(part);
  }
  const end = byPath.get(resolved.join('/'));
  return end?.type === 'blob' && end.mode !== SYMLINK_MODE ? end : undefined;
}

/** A file as read: its text, the blob it came from when known, and the ETag it was served with. */
export interface CachedFile {
  sha: string | null;
  etag: string | null;
  text: string;
}

interface CachedRepo {
  cacheVersion: typeof CACHE_VERSION;
  commit: string;
  /** The default branch's name, when it was looked up (no ref configured). */
  defaultBranch: string | null;
  /** The Cargo and policy files of the tree at `commit`, when it was listed. */
  tree: TreeFile[] | null;
  /** Symbolic link targets by blob id. */
  links: Record<string, string>;
  /** Files read at `commit` by the path read; null for an optional file that was not there. */
  files: Record<string, CachedFile | null>;
}

function isTreeFile(value: unknown): value is TreeFile {
  const f = value as Partial<TreeFile> | null;
  return typeof f === 'object' && f !== null && typeof f.path === 'string' && typeof f.read === 'string' && typeof f.sha === 'string' && (f.size === undefined || typeof f.size === 'number');
}

function isCachedFile(value: unknown): value is CachedFile | null {
  if (value === null) return true;
  const f = value as Partial<CachedFile>;
  return typeof f === 'object' && (f.sha === null || typeof f.sha === 'string') && (f.etag === null || typeof f.etag === 'string') && typeof f.text === 'string';
}

/** The stored object, when it is one this version wrote whole; anything else is as good as none. */
function parseCachedRepo(value: unknown): CachedRepo | undefined {
  const c = value as Partial<CachedRepo> | null;
  if (typeof c !== 'object' || c === null || c.cacheVersion !== CACHE_VERSION || typeof c.commit !== 'string' || !SHA.test(c.commit)) return undefined;
  if (!(c.defaultBranch === null || typeof c.defaultBranch === 'string')) return undefined;
  if (!(c.tree === null || (Array.isArray(c.tree) && c.tree.every(isTreeFile)))) return undefined;
  if (typeof c.links !== 'object' || c.links === null || !Object.values(c.links).every((v) => typeof v === 'string')) return undefined;
  if (typeof c.files !== 'object' || c.files === null || !Object.values(c.files).every(isCachedFile)) return undefined;
  return c as CachedRepo;
}

/**
 * One repository's files from its last read, and what this read used, for one fetch. The
 * commit decides: at the same commit every file (and the tree) is reused as it was; at
 * another, a file is reused when the tree shows the same blob, or when the service answers
 * a conditional request with 304. Only what this read used is written back, once, and only
 * when it changed. The object is only a cache: one that cannot be read or written costs
 * requests, never the scan.
 */
export class RepoFileCache {
  private readonly cache: HttpCache | undefined;
  private readonly key: string;
  private readonly last: CachedRepo | undefined;
  private readonly lastText: string | undefined;
  private current: CachedRepo | undefined;

  private constructor(cache: HttpCache | undefined, key: string, last: CachedRepo | undefined, lastText: string | undefined) {
    this.cache = cache;
    this.key = key;
    this.last = last;
    this.lastText = lastText;
  }

  /** Reads the repository's cached object under `key` (one cache read); without a cache, remembers nothing. */
  static async open(cache: HttpCache | undefined, key: string): Promise<RepoFileCache> {
    if (!cache) return new RepoFileCache(undefined, key, undefined, undefined);
    try {
      const stored = await cache.get(key);
      if (!stored) return new RepoFileCache(cache, key, undefined, undefined);
      const text = decoder.decode(await gunzipAsync(stored.body));
      return new RepoFileCache(cache, key, parseCachedRepo(JSON.parse(text)), text);
    } catch {
      return new RepoFileCache(cache, key, undefined, undefined);
    }
  }

  /** The commit last read, to ask the service whether the ref still points at it. */
  get lastCommit(): string | undefined {
    return this.last?.commit;
  }

  /** The default branch's name as last looked up, when the ref was then at `commit` too. */
  defaultBranchAt(commit: string): string | undefined {
    return this.last?.commit === commit ? (this.last.defaultBranch ?? undefined) : undefined;
  }

  /** Starts this read at `commit`. */
  begin(commit: string, defaultBranch: string | null): void {
    this.current = { cacheVersion: CACHE_VERSION, commit, defaultBranch, tree: null, links: {}, files: {} };
  }

  private get now(): CachedRepo {
    if (!this.current) throw new Error('RepoFileCache: begin() first');
    return this.current;
  }

  private get sameCommit(): boolean {
    return this.last !== undefined && this.last.commit === this.now.commit;
  }

  /** The tree's Cargo files as listed at this same commit before, if they were. */
  tree(): TreeFile[] | undefined {
    const tree = this.sameCommit ? this.last!.tree : null;
    if (tree) {
      // The links it followed stay known too, for the next commit's tree.
      this.now.tree = tree;
      this.now.links = { ...this.last!.links };
    }
    return tree ?? undefined;
  }

  setTree(tree: TreeFile[]): void {
    this.now.tree = tree;
  }

  /** A link's target: blobs never change, so one read before serves. */
  async link(sha: string, read: (sha: string) => Promise<string>): Promise<string> {
    const target = this.now.links[sha] ?? this.last?.links[sha] ?? (await read(sha));
    this.now.links[sha] = target;
    return target;
  }

  /**
   * The file at `path` when it is known without asking: read at this same commit (null: it
   * was absent), or the same blob as `sha`. Undefined: it must be asked for.
   */
  known(path: string, sha: string | undefined): CachedFile | null | undefined {
    const before = this.last?.files[path];
    if (before === undefined) return undefined;
    const reuse = this.sameCommit || (before !== null && sha !== undefined && before.sha === sha);
    if (!reuse) return undefined;
    const file = before === null || sha === undefined || before.sha !== null ? before : { ...before, sha };
    this.now.files[path] = file;
    return file;
  }

  /** The last read of `path`, for a conditional request (`If-None-Match`). */
  previous(path: string): CachedFile | undefined {
    return this.last?.files[path] ?? undefined;
  }

  /** Records what this read found at `path` (null: an optional file that is not there). */
  remember(path: string, file: CachedFile | null): void {
    this.now.files[path] = file;
  }

  /** Writes what this read used, when it differs from what was stored. */
  async save(fetchedAt: Date): Promise<void> {
    if (!this.cache || !this.current) return;
    const text = JSON.stringify(this.current);
    if (text === this.lastText) return;
    try {
      await this.cache.put(this.key, { etag: null, lastModified: null, fetchedAt: fetchedAt.toISOString(), body: await gzipAsync(encoder.encode(text)) });
    } catch {
      // Only a cache: the next run reads the files again.
    }
  }
}

/** What a forge answers for one repository, as `readRepoFiles` asks it. */
export interface ForgeReader {
  api: ForgeApi;
  /** The repository, as messages name it. */
  where: string;
  maxFileBytes: number;
  /** Every entry of the tree at `commit`. */
  listTree(commit: string): Promise<ListedEntry[]>;
  /** GETs the raw blob `sha`, at most `maxBytes`; statuses other than 2xx come back. */
  getBlob(sha: string, maxBytes: number): Promise<HttpResponse>;
  /** GETs the raw file at `readPath` at `commit` with these extra headers; statuses other than 2xx come back. */
  getFile(readPath: string, commit: string, headers: Record<string, string>): Promise<HttpResponse>;
  /** The error for an answer about `what` that is not one this reading expects. */
  statusError(response: HttpResponse, what: string): Error;
}

/** A symbolic link's target is a path: a blob over this is not one. */
const MAX_LINK_BYTES = 4096;

/** The Cargo files, policy files and toolchain files of one repository at a commit. */
export interface RepoFiles {
  lockfiles: RepoFile[];
  manifests: RepoFile[];
  policyFiles: RepoFile[];
  toolchainFiles: RepoFile[];
}

/**
 * Reads the configured (or, without a configuration, discovered) lockfiles and manifests of
 * `repo` and its policy files at `at`, with `files` (begun at that commit) sparing whatever
 * was read before. The tree is listed only when something is discovered; the toolchain files
 * come from it (none when both lists are configured), each at most MAX_TOOLCHAIN_FILE_BYTES:
 * a larger one is no Dockerfile anyone writes and is left out.
 */
export async function readRepoFiles(
  repo: { lockfiles: readonly string[] | null; manifests: readonly string[] | null },
  at: { commit: string; ref: string },
  files: RepoFileCache,
  forge: ForgeReader,
): Promise<RepoFiles> {
  const tree = repo.lockfiles === null || repo.manifests === null ? (files.tree() ?? (await listCargoFiles(at.commit, files, forge))) : undefined;
  const inTree = new Map(tree?.map((f) => [f.path, f]));
  const read = (path: string, source: FileSource) => readCargoFile(files, at, path, inTree.get(path), source, forge);

  const lockfiles: RepoFile[] = [];
  for (const path of repo.lockfiles?.map((p) => checkedRepoPath(forge.where, p, 'lockfiles')) ?? filesNamed([...inTree.keys()], 'Cargo.lock')) {
    lockfiles.push((await read(path, repo.lockfiles ? 'lockfiles' : 'tree'))!);
  }
  const manifests: RepoFile[] = [];
  for (const path of repo.manifests?.map((p) => checkedRepoPath(forge.where, p, 'manifests')) ?? filesNamed([...inTree.keys()], 'Cargo.toml')) {
    manifests.push((await read(path, repo.manifests ? 'manifests' : 'tree'))!);
  }
  const policyFiles: RepoFile[] = [];
  for (const path of POLICY_FILES) {
    // With the tree at hand only files that exist are asked for; without it a 404 means absent.
    if (tree && !inTree.has(path)) continue;
    const file = await read(path, tree ? 'tree' : 'optional');
    if (file) policyFiles.push(file);
  }
  const toolchainFiles: RepoFile[] = [];
  const limit = Math.min(MAX_TOOLCHAIN_FILE_BYTES, forge.maxFileBytes);
  for (const path of toolchainPaths([...inTree.keys()])) {
    const entry = inTree.get(path);
    if (entry?.size !== undefined && entry.size > limit) continue;
    let file: RepoFile | undefined;
    try {
      file = await readCargoFile(files, at, path, entry, 'tree', forge);
    } catch (error) {
      // Too large to be a toolchain file (GitLab's tree gives no sizes, so the download says it).
      if (error instanceof RepoFetchError && error.cause instanceof BodyTooLargeError) continue;
      throw error;
    }
    if (file && Buffer.byteLength(file.text) <= limit) toolchainFiles.push(file);
  }
  return { lockfiles, manifests, policyFiles, toolchainFiles };
}

/** The Cargo and policy files of the tree at `commit`, links followed; kept in `files`. */
async function listCargoFiles(commit: string, files: RepoFileCache, forge: ForgeReader): Promise<TreeFile[]> {
  const entries = await forge.listTree(commit);
  const tree = await cargoFiles(entries, (sha) => files.link(sha, (s) => readLink(s, forge)));
  files.setTree(tree);
  return tree;
}

/** A symbolic link's target: the text of its blob. */
async function readLink(sha: string, forge: ForgeReader): Promise<string> {
  const what = `the symbolic link ${sha.slice(0, 12)}`;
  let response: HttpResponse;
  try {
    response = await forge.getBlob(sha, MAX_LINK_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw forge.api.malformed(forge.where, what, 'target');
    throw error;
  }
  if (response.status !== 200) throw forge.statusError(response, what);
  return decoder.decode(response.body);
}

/**
 * One file's text at the commit, reported under `path`: from the cache when the commit or
 * the blob is the one read before, else asked for (conditionally when it was read before).
 * `entry` is the file in the tree, when it was listed; undefined for an optional file that
 * is not there.
 */
async function readCargoFile(
  files: RepoFileCache,
  at: { commit: string; ref: string },
  path: string,
  entry: TreeFile | undefined,
  source: FileSource,
  forge: ForgeReader,
): Promise<RepoFile | undefined> {
  const { api, where, maxFileBytes } = forge;
  if (entry?.size !== undefined && entry.size > maxFileBytes) throw api.overLimit(where, path, maxFileBytes, entry.size);
  const readPath = entry?.read ?? path;
  const known = files.known(readPath, entry?.sha);
  if (known === null) {
    if (source === 'optional') return undefined;
    throw api.fileMissing(where, at, path, source);
  }
  if (known !== undefined) {
    const size = Buffer.byteLength(known.text);
    if (size > maxFileBytes) throw api.overLimit(where, path, maxFileBytes, size);
    return { path, text: known.text };
  }
  const previous = files.previous(readPath);
  let response: HttpResponse;
  try {
    response = await forge.getFile(readPath, at.commit, previous?.etag ? { 'if-none-match': previous.etag } : {});
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw api.overLimit(where, path, maxFileBytes, undefined, error);
    throw error;
  }
  if (response.status === 304 && previous) {
    files.remember(readPath, { ...previous, sha: entry?.sha ?? previous.sha });
    return { path, text: previous.text };
  }
  if (response.status === 200) {
    const text = decoder.decode(response.body);
    files.remember(readPath, { sha: entry?.sha ?? null, etag: response.headers.get('etag'), text });
    return { path, text };
  }
  if (response.status !== 404) throw forge.statusError(response, path);
  if (source !== 'optional') throw api.fileMissing(where, at, path, source);
  files.remember(readPath, null);
  return undefined;
}
