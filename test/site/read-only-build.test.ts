// The report builds when its own code directory is read-only, as in Lambda: every cache and
// generated file goes under a temporary directory. A copy of the project (package.json,
// functions/, site/) is made read-only and the copy's own builder runs from inside it, as a
// plain Node process (type stripping, as Lambda runs it).
//
// Tests run as root, and root ignores permission bits, so `chmod -R a-w` alone proves
// nothing. When the kernel lets us, the copy (and node_modules) are read-only bind mounts,
// which bind root too; either way the copy's files are hashed before and after the build and
// must not change.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSiteFixtures } from '../helpers/site-fixtures.ts';

const run = promisify(execFile);
const PROJECT = resolve(import.meta.dirname, '../..');
const NODE_MODULES = join(PROJECT, 'node_modules');

let dir: string;
let copy: string;
let results: string;
let out: string;
/** The TMPDIR of the build process: the builder's temporary root goes here and must be gone after. */
let scratch: string;
/** Mount points to undo, innermost last. */
const mounts: string[] = [];
let mode: 'read-only bind mount' | 'snapshot only (mount not permitted)';
let before: Map<string, string>;
let nodeModulesBefore: string[];
let buildMs = 0;

/** Every entry under `root` (symlinks not followed): type, size, mtime and, for files, a SHA-256. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    const key = relative(root, path) || '.';
    if (info.isSymbolicLink()) {
      entries.set(key, `link ${info.mtimeMs}`);
    } else if (info.isDirectory()) {
      entries.set(key, `dir ${info.mtimeMs}`);
      for (const name of await readdir(path)) {
        if (path === root && name === 'node_modules') continue; // checked on its own, by listing
        await walk(join(path, name));
      }
    } else {
      entries.set(key, `file ${info.size} ${info.mtimeMs} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
    }
  };
  await walk(root);
  return entries;
}

async function sh(command: string, ...args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Bind-mounts `source` on `target` read-only; false (and nothing left mounted) when not permitted. */
async function mountReadOnly(source: string, target: string): Promise<boolean> {
  if (!(await sh('mount', '--bind', source, target))) return false;
  mounts.push(target);
  if (await sh('mount', '-o', 'remount,ro,bind', target)) return true;
  await sh('umount', target);
  mounts.pop();
  return false;
}

async function isWritable(path: string): Promise<boolean> {
  const probe = join(path, '.write-probe');
  try {
    await writeFile(probe, 'x');
    await rm(probe);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-ro-build-'));
  copy = join(dir, 'project');
  out = join(dir, 'out');
  scratch = join(dir, 'tmp');
  await mkdir(scratch);
  results = await writeSiteFixtures(join(dir, 'fixtures'));
  await mkdir(copy);
  await cp(join(PROJECT, 'package.json'), join(copy, 'package.json'));
  await cp(join(PROJECT, 'functions'), join(copy, 'functions'), { recursive: true });
  await cp(join(PROJECT, 'site'), join(copy, 'site'), { recursive: true });

  // Read-only for real: the copy bound read-only on itself, node_modules bound read-only inside it.
  await mkdir(join(copy, 'node_modules'));
  await sh('chmod', '-R', 'a-w', copy);
  if ((await mountReadOnly(copy, copy)) && (await mountReadOnly(NODE_MODULES, join(copy, 'node_modules')))) {
    mode = 'read-only bind mount';
  } else {
    for (const target of mounts.splice(0).reverse()) await sh('umount', target);
    mode = 'snapshot only (mount not permitted)';
    await chmod(copy, 0o755);
    await rm(join(copy, 'node_modules'), { recursive: true });
    await symlink(NODE_MODULES, join(copy, 'node_modules'), 'dir');
    await chmod(copy, 0o555);
  }
  before = await snapshot(copy);
  nodeModulesBefore = (await readdir(join(copy, 'node_modules'))).sort();

  // The build: the copy's own builder, imported by its path in the copy, run from inside the copy.
  const builder = pathToFileURL(join(copy, 'functions/adapters/astro-site-builder.ts')).href;
  const script = `
    import { AstroSiteBuilder } from ${JSON.stringify(builder)};
    await new AstroSiteBuilder({ siteDir: ${JSON.stringify(join(copy, 'site'))} }).build(${JSON.stringify(results)}, ${JSON.stringify(out)});
  `;
  const start = performance.now();
  await run(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: copy,
    env: { ...process.env, TMPDIR: scratch },
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  buildMs = performance.now() - start;
}, 150_000);

afterAll(async () => {
  for (const target of mounts.splice(0).reverse()) await sh('umount', target);
  if (dir) {
    await sh('chmod', '-R', 'u+w', dir);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('building the site from a read-only copy of the project', () => {
  it('builds the site into the output folder', async () => {
    console.log(`read-only build (${mode}): ${Math.round(buildMs)} ms`);
    const files = (await readdir(out, { recursive: true })).map(String);
    expect(files).toContain('index.html');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('payments-api');
    expect(files).toContain(join('repos', 'payments-api', 'index.html'));
    expect(files).toContain(join('advisories', 'RUSTSEC-2099-0001', 'index.html'));
    expect(files).toContain(join('crates', 'hyper', 'index.html'));
    expect(files).toContain('feed.xml');
  });

  it('really was read-only when the mount was permitted', async () => {
    if (mode === 'read-only bind mount') {
      expect(await isWritable(copy)).toBe(false);
      expect(await isWritable(join(copy, 'node_modules'))).toBe(false);
    } else {
      console.log('read-only bind mount not permitted here: relying on the before/after snapshot');
    }
  });

  it('added, removed and changed nothing in the copy', async () => {
    const after = await snapshot(copy);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key)).sort();
    expect(changed).toEqual([]);
    expect((await readdir(join(copy, 'node_modules'))).sort()).toEqual(nodeModulesBefore);
  });

  it('left nothing behind in its temporary folder', async () => {
    expect(await readdir(scratch)).toEqual([]);
  });
});
