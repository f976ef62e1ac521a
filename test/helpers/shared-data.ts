// Where the shared real-world data lives (real Cargo.lock files and a RustSec snapshot):
// `$CRATEWATCH_SHARED_DATA`, else `../shared/data` beside the project. It is read at run
// time, never copied in; suites that need it skip when it is absent.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

/** The shared data directory, whether or not it exists. */
export const sharedDataDir = resolve(process.env.CRATEWATCH_SHARED_DATA || join(PROJECT_ROOT, '..', 'shared', 'data'));

/** The RustSec advisory-db archive of the snapshot described in the data's README. */
export const advisoryTarball = join(sharedDataDir, 'advisory-db', 'advisory-db-bf5c0d245a92.tar.gz');

export const lockfilesDir = join(sharedDataDir, 'lockfiles');

/** True when the data is there: the advisory archive and the lockfiles folder. */
export const hasSharedData = existsSync(advisoryTarball) && existsSync(lockfilesDir);

/** The path of one shared lockfile, by its file name. */
export function sharedLockfile(name: string): string {
  return join(lockfilesDir, name);
}
