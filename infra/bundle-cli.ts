// `npm run bundle:cli [-- OUT]` (and `prepare`, so `npm ci` and `npm pack` run it): builds the
// `cratewatch` command into dist/cli/ (or OUT) as minified, code-split ES modules for the oldest
// Node that package.json's engines allow, plus the launcher package.json's `bin` points at.
import { readFileSync, rmSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { ESBUILD_OPTIONS, PROJECT_ROOT, SITE_BUILDER_EXTERNAL } from './bundling.ts';

/** A build that would ship something broken or slower than promised. */
export class CliBundleError extends Error {
  override name = 'CliBundleError';
}

export const CLI_ENTRY = join(PROJECT_ROOT, 'functions', 'cli', 'cratewatch.ts');
export const CLI_OUT_DIR = join(PROJECT_ROOT, 'dist', 'cli');
/** What `bin` runs: checks the Node version, then imports MAIN_FILE. */
export const LAUNCHER_FILE = 'cratewatch.js';
/** The entry chunk: the command dispatcher and `audit`; scan, report and invoke are chunks it imports on demand. */
export const MAIN_FILE = 'main.js';

/**
 * Packages whose code must never be in the chunks `--version` and `audit` load: they are what
 * made the unbundled CLI slow to start, and only `scan` and `invoke` need them.
 */
export const STARTUP_FORBIDDEN = ['@aws-sdk/', '@smithy/', '@aws-crypto/', 'astro'] as const;

/** The young generation's cap the old `#!/usr/bin/env -S node --max-semi-space-size=16` shebang set (see the launcher). */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=16';
/** The long, allocation-heavy commands the launcher re-executes with SEMI_SPACE_FLAG. */
export const CAPPED_COMMANDS = ['scan', 'report'] as const;

/** `engines.node` as the three numbers of its lower bound: only `>=X.Y.Z` is accepted, so the launcher's check is exact. */
export function minimumNode(engines: string | undefined): [number, number, number] {
  const match = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(engines?.trim() ?? '');
  if (!match) throw new CliBundleError(`package.json engines.node is ${JSON.stringify(engines)}: expected ">=X.Y.Z" (the launcher checks that exact minimum)`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/**
 * The launcher. ES5 plus one `import()` on purpose: any Node from 10 on parses it, so an old
 * Node reaches the version check and prints one line instead of a SyntaxError from the bundle.
 * `v8.setFlagsFromString` cannot cap the young generation once the heap exists (measured: no
 * change in new-space size or RSS), so for the long commands the launcher replaces itself with
 * a Node started with the flag (process.execve: POSIX, Node >= 22.15); where that is missing
 * (Windows) the command runs uncapped.
 */
export function launcherSource(minimum: readonly [number, number, number]): string {
  const wanted = minimum.join('.');
  return `#!/usr/bin/env node
// The \`cratewatch\` command's launcher, written by infra/bundle-cli.ts (do not edit).
// Plain old syntax on purpose: an old Node must reach the version check, not choke on the bundle.
var minimum = [${minimum.join(', ')}];
var have = process.versions.node.split('.').map(Number);
var older = false;
for (var i = 0; i < 3; i++) {
  if (have[i] !== minimum[i]) {
    older = have[i] < minimum[i];
    break;
  }
}
if (older) {
  process.stderr.write('cratewatch needs Node.js >= ${wanted} (this is ' + process.version + '): install a current LTS from https://nodejs.org/ (or run nvm install --lts) and run cratewatch with it\\n');
  process.exit(2);
} else {
  var command = process.argv[2];
  var nodeOptions = (process.env.NODE_OPTIONS || '').split(/\\s+/);
  var capped = process.execArgv.concat(nodeOptions).some(function (arg) { return arg.indexOf('--max-semi-space-size') === 0; });
  // A scan of many repositories peaks near 300 MB with V8's young generation sized by the
  // machine's memory, near 200 MB at the same speed with it capped (test/bench/scan-bench.ts).
  var flags = ${JSON.stringify(CAPPED_COMMANDS)}.indexOf(command) !== -1 && !capped ? ['${SEMI_SPACE_FLAG}'] : [];
  // A Node without http.setGlobalProxyFromEnv (22) honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY
  // only when NODE_USE_ENV_PROXY=1 is set as it starts (22.21 and later): so start it so.
  var env = process.env;
  var proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some(function (name) { return env[name]; });
  var needsProxyEnv = proxied && !env.NODE_USE_ENV_PROXY && typeof process.getBuiltinModule('node:http').setGlobalProxyFromEnv !== 'function';
  if ((flags.length > 0 || needsProxyEnv) && typeof process.execve === 'function') {
    if (needsProxyEnv) env = Object.assign({}, env, { NODE_USE_ENV_PROXY: '1' });
    process.execve(process.execPath, [process.execPath].concat(flags, process.execArgv, process.argv.slice(1)), env);
  }
  // V8's code cache for the chunks (NODE_COMPILE_CACHE, else Node's folder in the temporary
  // folder); NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  process.getBuiltinModule('node:module').enableCompileCache();
  import('./${MAIN_FILE}').catch(function (error) {
    process.stderr.write('cratewatch: internal error: cannot load ${MAIN_FILE} beside the launcher (' + (error && error.message) + '): reinstall cratewatch\\n');
    process.exitCode = 2;
  });
}
`;
}

/** esbuild's options for the CLI: the Lambdas' (ESM, minified, the require banner), split into chunks for Node `minimum`. */
export function cliBuildOptions(outdir: string, minimum: readonly [number, number, number]) {
  return {
    ...ESBUILD_OPTIONS,
    entryPoints: [{ in: CLI_ENTRY, out: basename(MAIN_FILE, '.js') }],
    outdir,
    // Flat in outdir: report.ts finds site/ at `import.meta.dirname/../../site`, the package root.
    chunkNames: '[name]-[hash]',
    splitting: true,
    target: `node${minimum.join('.')}`,
    // The maps would double what is shipped; a fault prints its message, and CRATEWATCH_DEBUG=1 the stack.
    sourcemap: false,
    metafile: true,
    // Astro loads its own files and native bindings at run time; `report` imports it from node_modules.
    external: [...SITE_BUILDER_EXTERNAL],
    // The entry runs itself under `if (import.meta.main)`; imported by the launcher, it must still run.
    define: { 'import.meta.main': 'true' },
  } as const satisfies BuildOptions;
}

export interface CliChunk {
  file: string;
  bytes: number;
  /** Loaded by `--version` or `audit` (the main chunk, the audit chunk and their static imports), not only by other commands. */
  atStartup: boolean;
}

export interface CliBundle {
  outdir: string;
  chunks: CliChunk[];
  metafile: Metafile;
}

/** The audit command's module: with the main chunk, what `cratewatch audit` loads. */
const AUDIT_ENTRY = 'functions/cli/audit.ts';

/** The output files the main chunk loads before running: itself and its static imports, transitively. */
export function startupOutputs(metafile: Metafile, mainOutput: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(mainOutput);
  return seen;
}

/** Source files (relative to the project) bundled into `outputs` whose path names one of `packages`. */
export function forbiddenInputs(metafile: Metafile, outputs: Iterable<string>, packages: readonly string[]): string[] {
  const found = new Set<string>();
  for (const output of outputs) {
    for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) {
      if (packages.some((name) => input.includes(`node_modules/${name}`))) found.add(input);
    }
  }
  return [...found].sort();
}

/** Builds the CLI into `outdir` (emptied first) and checks that startup stays free of STARTUP_FORBIDDEN. */
export async function bundleCli(outdir = CLI_OUT_DIR): Promise<CliBundle> {
  const packageJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const minimum = minimumNode(packageJson.engines?.node);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { metafile } = await build({ ...cliBuildOptions(outdir, minimum), absWorkingDir: PROJECT_ROOT });

  // The define makes every `import.meta.main` true: only the entry may use it.
  const entry = relative(PROJECT_ROOT, CLI_ENTRY);
  const alsoMain = Object.keys(metafile.inputs).filter((input) => input !== entry && !input.includes('node_modules/') && readFileSync(join(PROJECT_ROOT, input), 'utf8').includes('import.meta.main'));
  if (alsoMain.length > 0) throw new CliBundleError(`${alsoMain.join(', ')} use import.meta.main, which the CLI bundle defines as true for ${entry}: move that code out of the CLI's imports`);

  const mainOutput = relative(PROJECT_ROOT, join(outdir, MAIN_FILE));
  if (!metafile.outputs[mainOutput]) throw new CliBundleError(`esbuild wrote no ${mainOutput} (outputs: ${Object.keys(metafile.outputs).join(', ')})`);
  // `audit` is imported on demand too, but it must start as light as `--version`: what it loads counts as startup.
  const auditOutput = Object.keys(metafile.outputs).find((output) => metafile.outputs[output]!.entryPoint === AUDIT_ENTRY);
  if (!auditOutput) throw new CliBundleError(`esbuild wrote no chunk for ${AUDIT_ENTRY}`);
  const atStartup = new Set([...startupOutputs(metafile, mainOutput), ...startupOutputs(metafile, auditOutput)]);
  const forbidden = forbiddenInputs(metafile, atStartup, STARTUP_FORBIDDEN);
  if (forbidden.length > 0) {
    throw new CliBundleError(`\`cratewatch --version\` and \`audit\` would load ${forbidden.slice(0, 5).join(', ')}${forbidden.length > 5 ? ` and ${forbidden.length - 5} more` : ''}: import what pulls them in with a dynamic import() in the command that needs it`);
  }

  const launcher = join(outdir, LAUNCHER_FILE);
  writeFileSync(launcher, launcherSource(minimum));
  chmodSync(launcher, 0o755);
  const chunks: CliChunk[] = [
    { file: LAUNCHER_FILE, bytes: statSync(launcher).size, atStartup: true },
    ...Object.keys(metafile.outputs).map((output) => ({ file: relative(relative(PROJECT_ROOT, outdir), output), bytes: metafile.outputs[output]!.bytes, atStartup: atStartup.has(output) })),
  ];
  return { outdir, chunks, metafile };
}

if (import.meta.main) {
  const outdir = process.argv[2] ? resolve(process.argv[2]) : CLI_OUT_DIR;
  try {
    const bundle = await bundleCli(outdir);
    const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
    for (const chunk of bundle.chunks) console.log(`${join(relative(PROJECT_ROOT, outdir), chunk.file).padEnd(32)} ${kB(chunk.bytes).padStart(10)}${chunk.atStartup ? '   loaded at startup' : ''}`);
    const startup = bundle.chunks.filter((c) => c.atStartup).reduce((sum, c) => sum + c.bytes, 0);
    console.log(`${'startup (--version, audit)'.padEnd(32)} ${kB(startup).padStart(10)}`);
    // Beside dist/cli, not in it: `files` ships dist/cli, and the metafile is for `esbuild --analyze`-style digging.
    writeFileSync(join(outdir, '..', `${basename(outdir)}-meta.json`), JSON.stringify(bundle.metafile));
  } catch (error) {
    if (!(error instanceof CliBundleError)) throw error;
    console.error(`bundle-cli: ${error.message}`);
    process.exitCode = 1;
  }
}
