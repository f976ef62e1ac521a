// `cratewatch report` as a process: rebuilds the site from earlier results, says what is
// missing when there are none, and serves the site on localhost until interrupted.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../helpers/run-cli.ts';
import { writeSiteFixtures } from '../helpers/site-fixtures.ts';

let dir: string;
let out: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-report-'));
  const results = await writeSiteFixtures(join(dir, 'fixtures'));
  out = join(results, '..');
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cratewatch report', () => {
  it('builds the site from the results folder into <out>/site', async () => {
    const run = await runCli(['report', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`report in ${join(out, 'site', 'index.html')}`);
    expect(await readFile(join(out, 'site', 'index.html'), 'utf8')).toContain('payments-api');
  });

  it('exits 2 and says to scan first when there are no results', async () => {
    const run = await runCli(['report', '--out', join(dir, 'nothing-here')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('run `cratewatch scan` first');
  });

  it('serves the built site on localhost until interrupted', async () => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'functions/cli/cratewatch.ts'), 'report', '--out', out, '--serve', '--port', '0', '--no-build'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    const page = await fetch(`${url}repos/payments-api/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('payments-api');
    expect((await fetch(`${url}no/such/page/`)).status).toBe(404);
    expect((await fetch(`${url}..%2f..%2fpackage.json`)).status).not.toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
