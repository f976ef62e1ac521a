// Packs the fixture advisory database as GitHub serves a repository archive: a .tar.gz
// with one top-level folder `advisory-db-<commit>/` and the commit in a pax comment.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type TarEntry } from 'modern-tar';
import { FIXTURE_DB } from './fixtures.ts';

/** The commit the fixture archive claims to be; the revision a result reports for it. */
export const FIXTURE_ARCHIVE_COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** Builds the gzipped tar of a database directory (default: the fixture database). */
export async function packAdvisoryArchive(root: string = FIXTURE_DB, commit: string = FIXTURE_ARCHIVE_COMMIT): Promise<Uint8Array> {
  const top = `advisory-db-${commit}`;
  const names = (await readdir(root, { recursive: true, withFileTypes: true }))
    .map((d) => ({ path: join(d.parentPath, d.name).slice(root.length + 1).split(sep).join('/'), dir: d.isDirectory() }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const mtime = new Date('2099-01-01T00:00:00Z');
  const entries: TarEntry[] = [{ header: { name: `${top}/`, type: 'directory', size: 0, mtime, pax: { comment: commit } } }];
  for (const { path, dir } of names) {
    if (dir) {
      entries.push({ header: { name: `${top}/${path}/`, type: 'directory', size: 0, mtime } });
    } else {
      const body = await readFile(join(root, path));
      entries.push({ header: { name: `${top}/${path}`, type: 'file', size: body.byteLength, mtime }, body });
    }
  }
  return gzipSync(await packTar(entries));
}

/** Writes the fixture database as `advisory-db.tar.gz` in `dir`; resolves to its path. */
export async function writeFixtureArchive(dir: string): Promise<string> {
  const path = join(dir, 'advisory-db.tar.gz');
  await writeFile(path, await packAdvisoryArchive());
  return path;
}
