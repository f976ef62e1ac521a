import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cargoFiles, type ListedEntry } from '../../../functions/adapters/forge-files.ts';

const sha = (text: string) => createHash('sha1').update(text).digest('hex');

/** A listed tree from `path → text` (a file) or `path → { symlink }` (mode 120000); folders added as git lists them. */
function tree(files: Record<string, string | { symlink: string }>): { entries: ListedEntry[]; links: Map<string, string> } {
  const entries: ListedEntry[] = [];
  const links = new Map<string, string>();
  const dirs = new Set<string>();
  for (const [path, file] of Object.entries(files)) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    const blob = typeof file === 'string' ? file : file.symlink;
    if (typeof file !== 'string') links.set(sha(blob), blob);
    entries.push({ path, type: 'blob', mode: typeof file === 'string' ? '100644' : '120000', sha: sha(blob), size: blob.length });
  }
  for (const dir of dirs) entries.push({ path: dir, type: 'tree', mode: '040000', sha: sha(`tree ${dir}`), size: undefined });
  return { entries, links };
}

async function resolved(files: Record<string, string | { symlink: string }>): Promise<[string, string][]> {
  const { entries, links } = tree(files);
  const found = await cargoFiles(entries, async (id) => links.get(id)!);
  return found.map((f) => [f.path, f.read]);
}

describe('cargoFiles', () => {
  it.each([
    ['a lockfile linked to one read anyway is reported once, under its target', { 'Cargo.lock': 'x', 'fuzz/Cargo.lock': { symlink: '../Cargo.lock' } }, [['Cargo.lock', 'Cargo.lock']]],
    ['a lockfile linked to another file is read from it', { 'app/Cargo.lock': { symlink: '../locks/app.lock' }, 'locks/app.lock': 'x' }, [['app/Cargo.lock', 'locks/app.lock']]],
    ['two lockfiles linked to one file: the first only', { 'a/Cargo.lock': { symlink: '../l.lock' }, 'b/Cargo.lock': { symlink: '../l.lock' }, 'l.lock': 'x' }, [['a/Cargo.lock', 'l.lock']]],
    ['a link through a linked folder', { 'app/Cargo.lock': { symlink: '../shared/app.lock' }, shared: { symlink: 'locks' }, 'locks/app.lock': 'x' }, [['app/Cargo.lock', 'locks/app.lock']]],
    ['a chain of links', { 'Cargo.lock': { symlink: 'one' }, one: { symlink: 'sub/two' }, 'sub/two': { symlink: '../real.lock' }, 'real.lock': 'x' }, [['Cargo.lock', 'real.lock']]],
    ['a manifest linked to the root one stays (its folder needs it)', { 'Cargo.toml': 'x', 'fuzz/Cargo.toml': { symlink: '../Cargo.toml' } }, [['Cargo.toml', 'Cargo.toml'], ['fuzz/Cargo.toml', 'Cargo.toml']]],
    ['a linked policy file', { 'deny.toml': { symlink: 'config/deny.toml' }, 'config/deny.toml': 'x' }, [['deny.toml', 'config/deny.toml']]],
    ['a link to nothing is left out', { 'Cargo.lock': { symlink: 'missing.lock' } }, []],
    ['a link out of the repository is left out', { 'a/Cargo.lock': { symlink: '../../Cargo.lock' } }, []],
    ['an absolute link is left out', { 'Cargo.lock': { symlink: '/etc/Cargo.lock' } }, []],
    ['a link to a folder is left out', { 'Cargo.lock': { symlink: 'locks' }, 'locks/a.lock': 'x' }, []],
    ['a link to itself is left out', { 'loop/Cargo.lock': { symlink: 'Cargo.lock' } }, []],
    ['two links to each other are left out', { 'Cargo.lock': { symlink: 'b' }, b: { symlink: 'Cargo.lock' } }, []],
    ['lockfiles in skipped folders and paths with ".." parts are not read', { 'target/Cargo.lock': 'x', 'a/../Cargo.lock': 'x', 'vendor/x/Cargo.toml': 'x' }, []],
  ] as [string, Record<string, string | { symlink: string }>, [string, string][]][])('%s', async (_name, files, expected) => {
    expect(await resolved(files)).toEqual(expected);
  });

  it('reads the blob of the target, so an unchanged target is known by its id', async () => {
    const { entries, links } = tree({ 'Cargo.lock': { symlink: 'real.lock' }, 'real.lock': 'text' });
    const [file] = await cargoFiles(entries, async (id) => links.get(id)!);
    expect(file).toEqual({ path: 'Cargo.lock', read: 'real.lock', sha: sha('text'), size: 4 });
  });
});
