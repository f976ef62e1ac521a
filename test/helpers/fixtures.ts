// Paths to, and loaders for, the hand-written fixtures in test/fixtures/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import { parseLockfile, type Lockfile } from '../../functions/core/lockfile.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const FIXTURE_DB = `${FIXTURES}advisory-db`;

export function fixtureText(name: string): string {
  return readFileSync(`${FIXTURES}lockfiles/${name}`, 'utf8');
}

export function fixtureLockfile(name: string): Lockfile {
  return parseLockfile(fixtureText(name), name);
}

let db: Promise<AdvisoryDb> | undefined;

/** The fixture advisory database, loaded once per test file. */
export function fixtureDb(): Promise<AdvisoryDb> {
  db ??= new LocalAdvisoryDbSource(FIXTURE_DB).load();
  return db;
}

/** A lockfile with no advisory: hyper at its patched version. */
export const CLEAN_LOCK = `version = 3

[[package]]
name = "clean-app"
version = "0.1.0"
dependencies = [
 "hyper",
]

[[package]]
name = "hyper"
version = "0.14.28"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "01b9f565d0afa1cd6637d02d6eaaccc0c9b9631557f975ca8c407399253a7e2f"
`;
