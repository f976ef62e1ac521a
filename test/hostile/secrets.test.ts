// Tokens never leave the requests they authorise. `cratewatch scan` runs as a process against
// loopback GitHub and GitLab stand-ins with private repositories, the tokens coming from
// GITHUB_TOKEN/GITLAB_TOKEN, then from the configuration's github_token/gitlab_token; then with
// a token GitHub refuses (401), and against a hostile API that answers 401, 403 and 404 with the
// token it was sent echoed in its error bodies. Each token must be absent from stdout and stderr
// and from every file the run leaves: results, history, the alert ledger, the caches (gzip
// unpacked) and the built site — as written, base64-encoded, or URL-encoded. A configuration the
// loader refuses must not quote the token either. (The Lambda path: handler-settings.test.ts.)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inspect } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigErrors, loadConfig } from '../../functions/app/config.ts';
import { packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { CLEAN_LOCK } from '../helpers/fixtures.ts';
import { startGithubServer, type GithubServer } from '../helpers/github-server.ts';
import { startGitlabServer, type GitlabServer } from '../helpers/gitlab-server.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { listenOnLoopback } from '../helpers/listen.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

const GITHUB_TOKEN = 'ghp_SeCrEtGitHubToken0123456789abcdefXYZ';
const GITLAB_TOKEN = 'glpat-SeCrEtGitLabToken0123456789';
const REFUSED_TOKEN = 'ghp_RefusedToken9876543210zyxwvuZYXW';
const TOKENS = [GITHUB_TOKEN, GITLAB_TOKEN, REFUSED_TOKEN];

let tmp: string;
let archive: ArchiveServer;
let index: IndexServer;
let github: GithubServer;
let gitlab: GitlabServer;
let echo: Server;
let echoUrl: string;
const runs: Record<string, { run: CliRun; out: string }> = {};

/** Answers every request with the status its path asks for, echoing the credentials it got in the body and a header. */
function echoCredentials(req: IncomingMessage, res: ServerResponse): void {
  const sent = `${req.headers.authorization ?? ''} ${req.headers['private-token'] ?? ''}`.trim();
  const url = req.url ?? '/';
  const status = url.includes('unauthorized') ? 401 : url.includes('forbidden') ? 403 : 404;
  const body = JSON.stringify({ message: `Bad credentials: you sent "${sent}" to ${url}`, documentation_url: `https://docs.example.com/?token=${encodeURIComponent(sent)}` });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-echo-credentials': Buffer.from(sent).toString('base64') });
  res.end(body);
}

function config(urls: { github: string; gitlab: string }, repositories: string, tokens = ''): string {
  return `timeout_seconds = 5\n\n[sources]\nadvisory_db = "${archive.url}"\nindex = "${index.url}"\ngithub_api = "${urls.github}"\ngitlab_api = "${urls.gitlab}"\n${tokens}\n${repositories}`;
}

const PRIVATE_REPOS = `[[repositories]]\nname = "gh-private"\ngithub = "acme/private"\n\n[[repositories]]\nname = "gh-public"\ngithub = "acme/public"\n\n[[repositories]]\nname = "gl-private"\ngitlab = "acme/private"\n`;
const HOSTILE_REPOS = ['unauthorized', 'forbidden', 'missing']
  .flatMap((what) => [`[[repositories]]\nname = "gh-${what}"\ngithub = "acme/${what}"\n`, `[[repositories]]\nname = "gl-${what}"\ngitlab = "acme/${what}"\n`])
  .join('\n');

async function scan(name: string, text: string, env: Record<string, string | undefined>, report: boolean): Promise<void> {
  const file = join(tmp, `${name}.toml`);
  await writeFile(file, text);
  const out = join(tmp, `out-${name}`);
  const run = await runCli(['scan', '--config', file, '--out', out, ...(report ? [] : ['--no-report'])], { cwd: tmp, env: { GITHUB_TOKEN: undefined, GITLAB_TOKEN: undefined, ...env } });
  runs[name] = { run, out };
}

/** A file's bytes as text, and the text of every gzip stream inside it (caches pack their bodies). */
function readable(bytes: Buffer): string {
  const texts = [bytes.toString('latin1')];
  for (let at = bytes.indexOf('\x1f\x8b\x08', 0, 'latin1'); at !== -1; at = bytes.indexOf('\x1f\x8b\x08', at + 1, 'latin1')) {
    try {
      texts.push(gunzipSync(bytes.subarray(at)).toString('latin1'));
    } catch {
      // Not a gzip stream after all: three bytes that happen to look like its header.
    }
  }
  return texts.join('\n');
}

/** The forms a token could leak in: as written, base64 (an Authorization header kept whole), URL-encoded. */
function leaks(text: string): string[] {
  return TOKENS.flatMap((token) => [token, Buffer.from(token).toString('base64'), Buffer.from(`Bearer ${token}`).toString('base64'), encodeURIComponent(`Bearer ${token}`)])
    .filter((form) => text.includes(form));
}

/** Every file under `dir` with the token forms found in it; files without any are left out. */
async function leakingFiles(dir: string): Promise<{ file: string; leaks: string[] }[]> {
  const found: { file: string; leaks: string[] }[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const inFile = leaks(readable(await readFile(path)));
    if (inFile.length > 0) found.push({ file: relative(dir, path), leaks: inFile });
  }
  return found;
}

async function fileCount(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-secrets-'));
  archive = await startArchiveServer(await packAdvisoryArchive());
  index = await startIndexServer({});
  github = await startGithubServer(
    [
      { fullName: 'acme/private', private: true, files: { 'Cargo.lock': CLEAN_LOCK, 'Cargo.toml': '[package]\nname = "clean-app"\n' } },
      { fullName: 'acme/public', files: { 'Cargo.lock': CLEAN_LOCK } },
    ],
    { token: GITHUB_TOKEN },
  );
  gitlab = await startGitlabServer([{ path: 'acme/private', private: true, files: { 'Cargo.lock': CLEAN_LOCK } }], { token: GITLAB_TOKEN });
  echo = createServer(echoCredentials);
  echoUrl = await listenOnLoopback(echo);
  await mkdir(join(tmp, 'work'));

  const urls = { github: github.url, gitlab: gitlab.url };
  await scan('env', config(urls, PRIVATE_REPOS), { GITHUB_TOKEN, GITLAB_TOKEN }, true);
  await scan('file', config(urls, PRIVATE_REPOS, `github_token = "${GITHUB_TOKEN}"\ngitlab_token = "${GITLAB_TOKEN}"\n`), {}, false);
  await scan('refused', config(urls, PRIVATE_REPOS), { GITHUB_TOKEN: REFUSED_TOKEN, GITLAB_TOKEN: REFUSED_TOKEN }, true);
  await scan('echo', config({ github: echoUrl, gitlab: `${echoUrl}/api/v4` }, HOSTILE_REPOS), { GITHUB_TOKEN, GITLAB_TOKEN }, true);
}, 300_000);

afterAll(async () => {
  await Promise.all([archive?.close(), index?.close(), github?.close(), gitlab?.close(), new Promise((resolve) => (echo ? echo.close(resolve) : resolve(undefined)))]);
  await rm(tmp, { recursive: true, force: true });
});

describe('tokens from GITHUB_TOKEN and GITLAB_TOKEN', () => {
  it('open the private GitHub repository and GitLab project (the tokens were sent)', async () => {
    expect(runs.env!.run.code).toBe(0);
    const summary = JSON.parse(await readFile(join(runs.env!.out, 'results', 'index.json'), 'utf8')) as { repositories: { name: string; status: string }[] };
    expect(summary.repositories.map((r) => [r.name, r.status]).sort()).toEqual([['gh-private', 'clean'], ['gh-public', 'clean'], ['gl-private', 'clean']]);
    expect(github.requests.some((r) => r.headers.authorization === `Bearer ${GITHUB_TOKEN}`)).toBe(true);
    expect(gitlab.requests.some((r) => r.headers['private-token'] === GITLAB_TOKEN)).toBe(true);
  });

  it('appear in no output and no file: results, ledger, caches and the built site', async () => {
    expect(leaks(runs.env!.run.stdout + runs.env!.run.stderr)).toEqual([]);
    expect(await fileCount(join(runs.env!.out, 'site'))).toBeGreaterThan(10);
    expect(await leakingFiles(runs.env!.out)).toEqual([]);
  });
});

describe('tokens from github_token and gitlab_token in cratewatch.toml', () => {
  it('open the private repositories too, and appear in no output and no file', async () => {
    expect(runs.file!.run.code).toBe(0);
    expect(leaks(runs.file!.run.stdout + runs.file!.run.stderr)).toEqual([]);
    // The search reads inside the caches' gzip: the cached Cargo.lock of the private repository is found there.
    const cache = join(runs.file!.out, 'cache');
    const cached = await Promise.all((await readdir(cache, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map(async (e) => readable(await readFile(join(e.parentPath, e.name)))));
    expect(cached.some((text) => text.includes('clean-app'))).toBe(true);
    expect(await leakingFiles(runs.file!.out)).toEqual([]);
  });

  it('are not quoted when the configuration cannot be loaded, nor when a loaded one is printed', () => {
    for (const text of [`[sources]\ngithub_token = "${GITHUB_TOKEN}\n`, `[sources]\ngithub_token = "${GITHUB_TOKEN}" x\n`, `[sources]\ngithub_tokn = "${GITHUB_TOKEN}"\n`, `[sources]\ngithub_token = ["${GITHUB_TOKEN}"]\n`]) {
      let message = '';
      try {
        loadConfig(text, 'cratewatch.toml');
      } catch (error) {
        message = error instanceof ConfigErrors ? error.message : `not ConfigErrors: ${String(error)}`;
      }
      expect(message).toMatch(/^cratewatch\.toml has /);
      expect(leaks(message)).toEqual([]);
    }
    const loaded = loadConfig(`[sources]\ngithub_token = "${GITHUB_TOKEN}"\n\n[[repositories]]\nname = "a"\ngithub = "acme/a"\n`, 'cratewatch.toml', { GITLAB_TOKEN });
    expect(loaded.tokens.github).toBe(GITHUB_TOKEN);
    expect(leaks(JSON.stringify(loaded) + inspect(loaded, { depth: 10 }) + String(loaded.tokens))).toEqual([]);
  });
});

describe('a token GitHub and GitLab refuse (401)', () => {
  it('fails the private repositories with the 401 named, and the token appears in no output and no file', async () => {
    expect(runs.refused!.run.code).toBe(3);
    expect(runs.refused!.run.stderr).toContain('GitHub rejected the token (401');
    expect(runs.refused!.run.stderr).toContain('GitLab rejected the token (401');
    expect(leaks(runs.refused!.run.stdout + runs.refused!.run.stderr)).toEqual([]);
    expect(await leakingFiles(runs.refused!.out)).toEqual([]);
  });
});

describe('an API that echoes the token in its 401, 403 and 404 answers', () => {
  it('fails every repository with the status named, and the token appears in no message, output or file', async () => {
    const { run, out } = runs.echo!;
    expect(run.code).toBe(3);
    for (const status of ['401', '403', '404']) expect(run.stderr).toContain(status);
    // The echoed body is kept as the reason, with the token replaced.
    expect(run.stderr).toContain('(401: Bad credentials: you sent "Bearer [token]"');
    expect(run.stderr).toContain('(403: Bad credentials: you sent "[token]"');
    expect(leaks(run.stdout + run.stderr)).toEqual([]);
    const summary = JSON.parse(await readFile(join(out, 'results', 'index.json'), 'utf8')) as { repositories: { name: string; status: string; error: string | null }[] };
    expect(summary.repositories.map((r) => r.status)).toEqual(Array.from({ length: 6 }, () => 'error'));
    expect(await fileCount(join(out, 'site'))).toBeGreaterThan(10);
    expect(await leakingFiles(out)).toEqual([]);
  });
});
