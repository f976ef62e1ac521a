// The report builds when its own code directory is read-only, as in Lambda: every cache and
// generated file goes under a temporary directory. A copy of the project (package.json,
// functions/, site/) is made read-only and the copy's own builder runs from inside it, as a
// plain Node process (type stripping, as Lambda runs it).
//
// Tests run as root, and root ignores permission bits, so `chmod -R a-w` alone proves
// nothing. When the kernel lets us, the copy (and node_modules inside it) are read-only bind
// mounts, which bind root too. The mounts are made in a mount namespace of their own
// (`unshare -m`, private propagation) by the one process tree that builds: they exist only
// there and vanish with it, so no unmount can fail and leave them on the host, and the `rm`
// that cleans up here sees the copy's node_modules as the empty folder it is. Either way the
// copy's files are hashed before and after the build and must not change.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSiteFixtures } from '../helpers/site-fixtures.ts';

const run = promisify(execFile);
const PROJECT = resolve(import.meta.dirname, '../..');
const NODE_MODULES = join(PROJECT, 'node_modules');
/** Under the site suite's hook timeout (vitest.config.ts), so a hung build fails with its own message. */
const BUILD_TIMEOUT_MS = 240_000;

/**
 * Run by `unshare -m --propagation private` (so as root in a fresh mount namespace): binds the
 * copy read-only on itself and node_modules read-only inside it, records whether each can be
 * written and what node_modules holds, builds, and records node_modules again. Paths come in
 * the environment; the records go to files in $REPORT, outside the copy.
 */
const IN_NAMESPACE = `
set -eu
mount --bind "$COPY" "$COPY"
mount -o remount,ro,bind "$COPY"
mount --bind "$NODE_MODULES" "$COPY/node_modules"
mount -o remount,ro,bind "$COPY/node_modules"
probe() { if touch "$1/.write-probe" 2>/dev/null; then rm -f "$1/.write-probe"; echo writable; else echo read-only; fi; }
probe "$COPY" > "$REPORT/copy-writable"
probe "$COPY/node_modules" > "$REPORT/node-modules-writable"
ls -A "$COPY/node_modules" > "$REPORT/node-modules-before"
cd "$COPY"
TMPDIR="$SCRATCH" "$NODE" --input-type=module --eval "$BUILD"
ls -A "$COPY/node_modules" > "$REPORT/node-modules-after"
`;

let dir: string;
let copy: string;
let results: string;
let out: string;
/** The TMPDIR of the build process: the builder's temporary root goes here and must be gone after. */
let scratch: string;
/** Where the namespace script leaves its records. */
let report: string;
let mode: 'read-only bind mounts in a private mount namespace' | 'snapshot only (mount namespace not permitted)';
let before: Map<string, string>;
let nodeModulesBefore: string[];
let nodeModulesAfter: string[];
/** Whether the copy and its node_modules could be written during the build; null when not known (no namespace). */
let writable: { copy: string; nodeModules: string } | null = null;

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

/** Mount points at or under `path` in this process's own mount namespace (none where /proc cannot tell). */
async function mountPointsUnder(path: string): Promise<string[]> {
  let table: string;
  try {
    table = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  // The fifth field is the mount point, with space, tab, newline and backslash written in octal.
  const points = table
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  return points.filter((point) => point === path || point.startsWith(`${path}/`));
}

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '').sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-ro-build-'));
  copy = join(dir, 'project');
  out = join(dir, 'out');
  scratch = join(dir, 'tmp');
  report = join(dir, 'report');
  await mkdir(scratch);
  await mkdir(report);
  results = await writeSiteFixtures(join(dir, 'fixtures'));
  await mkdir(copy);
  await cp(join(PROJECT, 'package.json'), join(copy, 'package.json'));
  await cp(join(PROJECT, 'functions'), join(copy, 'functions'), { recursive: true });
  await cp(join(PROJECT, 'site'), join(copy, 'site'), { recursive: true });
  await mkdir(join(copy, 'node_modules'));

  // Can this machine give a process a mount namespace of its own and bind read-only in it?
  // The trial mount is gone when its namespace ends with the trial.
  const permitted = await sh('unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"', 'sh', copy);
  mode = permitted ? 'read-only bind mounts in a private mount namespace' : 'snapshot only (mount namespace not permitted)';
  if (!permitted) {
    await rm(join(copy, 'node_modules'), { recursive: true });
    await symlink(NODE_MODULES, join(copy, 'node_modules'), 'dir');
  }
  await sh('chmod', '-R', 'a-w', copy);
  before = await snapshot(copy);

  // The build: the copy's own builder, imported by its path in the copy, run from inside the copy.
  const builder = pathToFileURL(join(copy, 'functions/adapters/astro-site-builder.ts')).href;
  const build = `
    import { AstroSiteBuilder } from ${JSON.stringify(builder)};
    await new AstroSiteBuilder({ siteDir: ${JSON.stringify(join(copy, 'site'))} }).build(${JSON.stringify(results)}, ${JSON.stringify(out)});
  `;
  const limits = { timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 };
  if (permitted) {
    await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', IN_NAMESPACE], {
      ...limits,
      env: { ...process.env, COPY: copy, NODE_MODULES, SCRATCH: scratch, REPORT: report, NODE: process.execPath, BUILD: build },
    });
    writable = { copy: (await lines(join(report, 'copy-writable')))[0]!, nodeModules: (await lines(join(report, 'node-modules-writable')))[0]! };
    nodeModulesBefore = await lines(join(report, 'node-modules-before'));
    nodeModulesAfter = await lines(join(report, 'node-modules-after'));
  } else {
    nodeModulesBefore = (await readdir(join(copy, 'node_modules'))).sort();
    await run(process.execPath, ['--input-type=module', '--eval', build], { ...limits, cwd: copy, env: { ...process.env, TMPDIR: scratch } });
    nodeModulesAfter = (await readdir(join(copy, 'node_modules'))).sort();
  }
});

afterAll(async () => {
  if (!dir) return;
  // Nothing is ever mounted in this namespace; if something under the folder were, deleting
  // it could reach what is mounted there (node_modules), so it is left for a person instead.
  const mounted = await mountPointsUnder(dir);
  if (mounted.length > 0) {
    throw new Error(`${mounted.join(', ')} mounted in the test's own mount namespace: ${dir} is not deleted; unmount (umount) and delete it by hand`);
  }
  await sh('chmod', '-R', 'u+w', dir);
  await rm(dir, { recursive: true, force: true });
});

describe('building the site from a read-only copy of the project', () => {
  it('builds the site into the output folder', async () => {
    console.log(`read-only build: ${mode}`);
    const files = (await readdir(out, { recursive: true })).map(String);
    expect(files).toContain('index.html');
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('payments-api');
    expect(files).toContain(join('repos', 'payments-api', 'index.html'));
    expect(files).toContain(join('advisories', 'RUSTSEC-2099-0001', 'index.html'));
    expect(files).toContain(join('crates', 'hyper', 'index.html'));
    expect(files).toContain('feed.xml');
  });

  it('could not write the copy or its node_modules during the build, when mount namespaces are permitted', () => {
    if (mode === 'read-only bind mounts in a private mount namespace') {
      expect(writable).toEqual({ copy: 'read-only', nodeModules: 'read-only' });
    } else {
      console.log('mount namespace not permitted here: relying on the before/after snapshot');
    }
  });

  it('leaves no mount behind: here the copy holds an empty node_modules folder, or the link to the real one', async () => {
    expect(await mountPointsUnder(dir)).toEqual([]);
    if (mode === 'read-only bind mounts in a private mount namespace') {
      expect(await readdir(join(copy, 'node_modules'))).toEqual([]);
      // The build did see the real node_modules, through the mount in its own namespace.
      expect(nodeModulesBefore).toContain('astro');
    } else {
      expect((await lstat(join(copy, 'node_modules'))).isSymbolicLink()).toBe(true);
    }
  });

  it('added, removed and changed nothing in the copy or its node_modules', async () => {
    const after = await snapshot(copy);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key)).sort();
    expect(changed).toEqual([]);
    expect(nodeModulesAfter).toEqual(nodeModulesBefore);
  });

  it('left nothing behind in its temporary folder', async () => {
    expect(await readdir(scratch)).toEqual([]);
  });
});
