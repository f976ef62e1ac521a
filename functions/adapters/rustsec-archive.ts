// The RustSec advisory database from the local filesystem: an extracted directory
// (a clone of rustsec/advisory-db) or a GitHub-style .tar.gz archive read in memory.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { unpackTar } from 'modern-tar';
import { buildAdvisoryDb, type AdvisoryDb, type AdvisoryFile } from '../core/advisory.ts';
import { AdvisoryDbError, errorMessage } from '../core/errors.ts';
import type { AdvisorySource } from '../core/ports.ts';

/** Archives larger than this (compressed) are refused; the real database is under 1 MiB. */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
/** Uncompressed size limit, so a gzip bomb cannot exhaust memory. */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

const COMMIT = /[0-9a-f]{40}$/;
const decoder = new TextDecoder();

/**
 * Reads a GitHub-style archive (one top-level folder) into advisory files.
 * The revision is the commit git archive records, else the folder's name.
 */
export async function readAdvisoryArchive(bytes: Uint8Array, name: string): Promise<{ files: AdvisoryFile[]; revision: string }> {
  if (bytes.byteLength > MAX_ARCHIVE_BYTES) {
    throw new AdvisoryDbError(`${name}: the archive is ${bytes.byteLength} bytes, over the ${MAX_ARCHIVE_BYTES}-byte limit for an advisory database`);
  }
  let tar: Uint8Array;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    throw new AdvisoryDbError(`${name}: not a readable gzip archive (${errorMessage(error)}); download it again`, { cause: error });
  }
  let entries;
  try {
    entries = await unpackTar(tar);
  } catch (error) {
    throw new AdvisoryDbError(`${name}: not a readable tar archive (${errorMessage(error)}); download it again`, { cause: error });
  }
  const files: AdvisoryFile[] = [];
  let top: string | undefined;
  let commit: string | undefined;
  for (const { header, data } of entries) {
    const slash = header.name.indexOf('/');
    const folder = slash === -1 ? header.name : header.name.slice(0, slash);
    if (top === undefined) top = folder;
    else if (folder !== top) {
      throw new AdvisoryDbError(`${name}: expected one top-level folder, found "${top}" and "${folder}"`);
    }
    const comment = header.pax?.comment;
    if (commit === undefined && comment !== undefined && COMMIT.test(comment)) commit = comment;
    if (header.type === 'file' && data && slash !== -1) {
      files.push({ path: header.name.slice(slash + 1), text: decoder.decode(data) });
    }
  }
  if (top === undefined) throw new AdvisoryDbError(`${name}: the archive is empty`);
  const revision = commit ?? COMMIT.exec(top)?.[0] ?? top;
  return { files, revision };
}

async function readDirectory(root: string): Promise<AdvisoryFile[]> {
  const files: AdvisoryFile[] = [];
  for (const scope of ['crates', 'rust']) {
    let names: string[];
    try {
      names = await readdir(join(root, scope), { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new AdvisoryDbError(`${join(root, scope)}: cannot read the advisory folder (${errorMessage(error)})`, { cause: error });
    }
    const paths = names.filter((n) => n.endsWith('.md')).map((n) => join(root, scope, n));
    let texts: string[];
    try {
      texts = await Promise.all(paths.map((p) => readFile(p, 'utf8')));
    } catch (error) {
      throw new AdvisoryDbError(`${root}: cannot read an advisory file (${errorMessage(error)})`, { cause: error });
    }
    paths.forEach((p, i) => files.push({ path: relative(root, p).split(sep).join('/'), text: texts[i]! }));
  }
  return files;
}

/** A clone's checked-out commit (loose or packed ref), else the commit in the folder's name, else its name. */
async function directoryRevision(root: string): Promise<string> {
  const fallback = COMMIT.exec(basename(root))?.[0] ?? basename(root);
  let head: string;
  try {
    head = (await readFile(join(root, '.git', 'HEAD'), 'utf8')).trim();
  } catch {
    return fallback;
  }
  if (!head.startsWith('ref: ')) return COMMIT.test(head) ? head : fallback;
  const ref = head.slice(5);
  try {
    return (await readFile(join(root, '.git', ref), 'utf8')).trim();
  } catch {
    // After `git gc` the ref lives only in packed-refs: "<sha> refs/heads/main".
  }
  try {
    const packed = await readFile(join(root, '.git', 'packed-refs'), 'utf8');
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line) return line.slice(0, line.indexOf(' '));
  } catch {
    // no packed refs either
  }
  return fallback;
}

/** The database at a local path: a directory, or a `.tar.gz` archive. */
export class LocalAdvisoryDbSource implements AdvisorySource {
  readonly location: string;

  constructor(path: string) {
    this.location = path;
  }

  async load(): Promise<AdvisoryDb> {
    const path = this.location;
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw new AdvisoryDbError(`${path}: no advisory database there (${errorMessage(error)}); pass --db with a directory or .tar.gz`, { cause: error });
    }
    let db: AdvisoryDb;
    if (info.isDirectory()) {
      db = buildAdvisoryDb(await readDirectory(path), await directoryRevision(path));
    } else {
      const { files, revision } = await readAdvisoryArchive(await readFile(path), path);
      db = buildAdvisoryDb(files, revision);
    }
    if (db.advisoryCount === 0) {
      throw new AdvisoryDbError(`${path}: no advisories found (expected crates/<name>/<ID>.md files)${db.diagnostics.length ? `; ${db.diagnostics.length} could not be parsed` : ''}`);
    }
    return db;
  }
}
