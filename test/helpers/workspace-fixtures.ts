// The hand-written workspaces in test/fixtures/workspaces/: read as the repository sources hand them over.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './fixtures.ts';

export const WORKSPACES = join(FIXTURES, 'workspaces');

/** Every Cargo.toml under `dir`, with `/` paths relative to it. */
export function readManifests(dir: string): { path: string; text: string }[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .map((p) => p.split('\\').join('/'))
    .filter((p) => p === 'Cargo.toml' || p.endsWith('/Cargo.toml'))
    .sort()
    .map((path) => ({ path, text: readFileSync(join(dir, path), 'utf8') }));
}
