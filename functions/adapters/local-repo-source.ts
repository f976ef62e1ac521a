// Reads a repository checked out (or just present) on this machine: Cargo and toolchain files
// found by walking the directory, the commit from .git when it is a git checkout.
import type { Dirent } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RepoFetchError, errorMessage } from '../core/errors.ts';
import type { RepoConfig, RepoFile, RepoSnapshot, RepoSource } from '../core/ports.ts';
import { checkedRepoPath, filesNamed, POLICY_FILES, SKIPPED_DIRS, toolchainPaths } from '../core/repo-paths.ts';
import { isToolchainFile, MAX_TOOLCHAIN_FILE_BYTES } from '../core/toolchain-files.ts';
import { readGitHead } from './git-checkout.ts';

export interface LocalRepoSourceOptions {
  /** Files larger than this are refused, not read. */
  maxFileBytes: number;
  /** The configuration file the repositories were read from, as messages name it (`cratewatch.toml`, `s3://bucket/key`). Default: "the cratewatch configuration". */
  configFile?: string;
}

/** The files under `location.path` as they are on disk now. */
export class LocalRepoSource implements RepoSource {
  private readonly maxFileBytes: number;
  private readonly configFile: string;

  constructor(options: LocalRepoSourceOptions) {
    this.maxFileBytes = options.maxFileBytes;
    this.configFile = options.configFile ?? 'the cratewatch configuration';
  }

  /** `ref` is the branch checked out (null when detached or not git); a configured `ref` is not checked out. */
  async fetchRepository(repo: RepoConfig): Promise<RepoSnapshot> {
    if (repo.location.kind !== 'path') throw new RepoFetchError(`${repo.name}: a ${repo.location.kind} location cannot be read by the local source`);
    const root = resolve(repo.location.path);
    const where = `path ${root}`;
    let info;
    try {
      info = await stat(root);
    } catch (error) {
      throw new RepoFetchError(`${where}: no such directory (${codeOf(error)}): check the \`path\` of repository "${repo.name}" in ${this.configFile}`, null, { cause: error });
    }
    if (!info.isDirectory()) throw new RepoFetchError(`${where}: not a directory: give the folder that holds Cargo.lock, not the file`);

    const found = repo.lockfiles === null || repo.manifests === null ? await discover(where, root) : [];
    const lockPaths = repo.lockfiles?.map((p) => checkedRepoPath(where, p, 'lockfiles')) ?? filesNamed(found, 'Cargo.lock');
    const manifestPaths = repo.manifests?.map((p) => checkedRepoPath(where, p, 'manifests')) ?? filesNamed(found, 'Cargo.toml');
    const read = (path: string, field: 'lockfiles' | 'manifests' | null) => this.readFile(where, root, path, field);

    const lockfiles = (await Promise.all(lockPaths.map((p) => read(p, repo.lockfiles ? 'lockfiles' : null)))) as RepoFile[];
    const manifests = (await Promise.all(manifestPaths.map((p) => read(p, repo.manifests ? 'manifests' : null)))) as RepoFile[];
    const policyFiles = (await Promise.all(POLICY_FILES.map((p) => read(p, null)))).filter((f) => f !== undefined);
    // Toolchain files come with discovery; one over the limit is no Dockerfile anyone writes and is left out.
    const limit = Math.min(MAX_TOOLCHAIN_FILE_BYTES, this.maxFileBytes);
    const toolchainFiles = (await Promise.all(toolchainPaths(found).map((p) => this.readSmallFile(where, root, p, limit)))).filter((f) => f !== undefined);
    const { commit, ref } = await readGitHead(root);
    return { commit, ref, lockfiles, manifests, policyFiles, toolchainFiles };
  }

  /** A discovered file's text, or undefined when it is gone or over `limit`. */
  private async readSmallFile(where: string, root: string, path: string, limit: number): Promise<RepoFile | undefined> {
    const info = await stat(join(root, path)).catch(() => undefined);
    if (!info?.isFile() || info.size > limit) return undefined;
    return this.readFile(where, root, path, null);
  }

  /** A file's text; a missing configured file (`field`) is an error, any other missing file is undefined. */
  private async readFile(where: string, root: string, path: string, field: 'lockfiles' | 'manifests' | null): Promise<RepoFile | undefined> {
    const full = join(root, path);
    const info = await stat(full).catch((error: unknown) => {
      if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return undefined;
      throw new RepoFetchError(`${where}: cannot read ${path} (${errorMessage(error)}): check its permissions`, null, { cause: error });
    });
    if (!info?.isFile()) {
      if (field === null) return undefined;
      throw new RepoFetchError(
        `${where}: ${path} ${info ? 'is not a file' : 'not found'}: fix the \`${field}\` paths of this repository in ${this.configFile}, or remove them to discover every ${field === 'lockfiles' ? 'Cargo.lock' : 'Cargo.toml'}`,
      );
    }
    if (info.size > this.maxFileBytes) {
      throw new RepoFetchError(`${where}: ${path} refused: ${info.size} bytes, over the ${this.maxFileBytes}-byte limit per file (raise \`max_file_bytes\` in ${this.configFile} if the file is genuine)`);
    }
    try {
      return { path, text: await readFile(full, 'utf8') };
    } catch (error) {
      throw new RepoFetchError(`${where}: cannot read ${path} (${errorMessage(error)}): check its permissions`, null, { cause: error });
    }
  }
}

/** Repository-relative paths of every Cargo.lock, Cargo.toml and toolchain file, never entering skipped folders. */
async function discover(where: string, root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw new RepoFetchError(`${where}: cannot list ${prefix || '.'} (${errorMessage(error)}): check its permissions, or list the files in \`lockfiles\` and \`manifests\``, null, {
        cause: error,
      });
    }
    for (const entry of entries) {
      // Symlinked folders are not followed (they may loop or leave the repository); symlinked files are read.
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await visit(join(dir, entry.name), `${prefix}${entry.name}/`);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && (entry.name === 'Cargo.lock' || isToolchainFile(prefix + entry.name))) {
        found.push(prefix + entry.name);
      }
    }
  };
  await visit(root, '');
  return found;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? errorMessage(error);
}
