// Runs the `cratewatch` command as a real child process (the Node running the tests,
// no stdin, pipes for output) and collects what it printed and how it exited.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../functions/cli/cratewatch.ts', import.meta.url));

export interface CliRun {
  /** Null when the process was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory; default the project root, so fixture paths can be relative. */
  cwd?: string;
  /** Variables added to the environment; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Sends SIGKILL as soon as what the process printed so far satisfies this (a crash at a chosen point). */
  killWhen?: (output: { stdout: string; stderr: string }) => boolean;
}

/** Variables that would change the output if the developer's shell happens to set them. */
const SCRUBBED = ['CRATEWATCH_DB', 'CRATEWATCH_DB_URL', 'CRATEWATCH_INDEX', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];

/**
 * The caches and cargo-audit's checkout the command would find in the developer's home,
 * replaced by empty folders of this test process (a test that wants one passes its own).
 */
const ISOLATED_HOME = mkdtempSync(join(tmpdir(), 'cratewatch-cli-home-'));
process.once('exit', () => rmSync(ISOLATED_HOME, { recursive: true, force: true }));

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, CRATEWATCH_CACHE: join(ISOLATED_HOME, 'cache'), CARGO_HOME: join(ISOLATED_HOME, 'cargo') };
  for (const name of SCRUBBED) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { cwd: options.cwd ?? PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const check = () => {
      if (options.killWhen?.({ stdout, stderr }) && child.exitCode === null) child.kill('SIGKILL');
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      check();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      check();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The 1-based line of the `[[package]]` header of `name version` in a lockfile's text. */
export function packageHeaderLine(text: string, name: string, version: string): number {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i + 2 < lines.length; i++) {
    if (lines[i]!.trim() === '[[package]]' && lines[i + 1]!.trim() === `name = "${name}"` && lines[i + 2]!.trim() === `version = "${version}"`) {
      return i + 1;
    }
  }
  throw new Error(`no [[package]] ${name} ${version} in the lockfile`);
}
