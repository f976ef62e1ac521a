// `cratewatch scan` as a process when hosts cannot be reached at all: an index on a loopback
// port that refuses connections and repository files under a name that never resolves
// (`.invalid`, RFC 6761), then an index under such a name. The scan must end, say once per
// host that it stopped asking, name in the summary what was not checked, and not exit 0.
// (How few requests a down host gets is counted in test/unit/adapters/http-client-hosts.test.ts.)
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../functions/core/result.ts';
import { CLEAN_LOCK, FIXTURE_DB, fixtureText } from '../helpers/fixtures.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';
import { closedLoopbackPort } from '../helpers/listen.ts';

/** The crates.io crates the v3 fixture locks (CLEAN_LOCK's hyper is one of them), as listed in test/integration/cli-scan-warnings.test.ts. */
const V3_CRATES = 14;

let tmp: string;
let out: string;
let refusedPort: number;
let first: CliRun;
let second: CliRun;

/** A loopback port nothing listens on: listen, note the port, close. */

const repositories = (names: string[]) => names.map((name) => (name.startsWith('remote') ? `[[repositories]]\nname = "${name}"\nurl = "https://nonexistent.invalid/${name}/Cargo.lock"\n` : `[[repositories]]\nname = "${name}"\npath = "${name}"\n`)).join('\n');

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-unreachable-'));
  out = join(tmp, 'out');
  refusedPort = await closedLoopbackPort();
  for (const [name, text] of [['app', fixtureText('v3.Cargo.lock')], ['quiet', CLEAN_LOCK]] as const) {
    await mkdir(join(tmp, name));
    await writeFile(join(tmp, name, 'Cargo.lock'), text);
  }
  const refusing = join(tmp, 'refusing.toml');
  await writeFile(refusing, `timeout_seconds = 5\n\n[sources]\nadvisory_db = "${FIXTURE_DB}"\nindex = "http://127.0.0.1:${refusedPort}/"\n\n${repositories(['app', 'quiet', 'remote-a', 'remote-b'])}`);
  const unresolvable = join(tmp, 'unresolvable.toml');
  await writeFile(unresolvable, `timeout_seconds = 5\n\n[sources]\nadvisory_db = "${FIXTURE_DB}"\nindex = "https://index.nonexistent.invalid/"\n\n${repositories(['app', 'quiet'])}`);
  first = await runCli(['scan', '--config', refusing, '--out', out, '--no-report'], { cwd: tmp, env: { HTTP_PROXY: undefined, HTTPS_PROXY: undefined, http_proxy: undefined, https_proxy: undefined } });
  // The same output folder: this run's prepare step asks the index for every crate the first run found.
  second = await runCli(['scan', '--config', unresolvable, '--out', out, '--no-report'], { cwd: tmp, env: { HTTP_PROXY: undefined, HTTPS_PROXY: undefined, http_proxy: undefined, https_proxy: undefined } });
}, 180_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const downLines = (run: CliRun) => run.stderr.split('\n').filter((l) => l.startsWith('warning: ') && l.includes('cannot be reached'));
const notChecked = (run: CliRun) => run.stdout.split('\n').filter((l) => l.startsWith('not checked:'));

describe('cratewatch scan with an index that refuses connections and repositories under a name that does not resolve', () => {
  it('says once per host that it cannot be reached and is not asked again', () => {
    const lines = downLines(first);
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`warning: http://127.0.0.1:${refusedPort} (the index): cannot be reached (ECONNREFUSED); not asking it again this run (check the network, the address in the configuration, or HTTPS_PROXY)`);
    expect(lines.filter((l) => /^warning: nonexistent\.invalid \(repository files\): cannot be reached \((ENOTFOUND|EAI_AGAIN)\); not asking it again this run/.test(l))).toHaveLength(1);
  });

  it('names in the summary what each unreachable host left unchecked', () => {
    const lines = notChecked(first);
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`not checked: http://127.0.0.1:${refusedPort} unreachable (ECONNREFUSED): ${V3_CRATES} crates not looked up (yanked/outdated not checked)`);
    expect(lines.filter((l) => /^not checked: nonexistent\.invalid unreachable \((ENOTFOUND|EAI_AGAIN)\): 2 repositories not fetched \(remote-a, remote-b\)$/.test(l))).toHaveLength(1);
  });

  it('tells each url repository why it was not fetched, naming the host', () => {
    expect(first.stdout).toMatch(/^remote-a: url https:\/\/nonexistent\.invalid\/remote-a\/Cargo\.lock: no answer \(.*nonexistent\.invalid/m);
    expect(first.stdout).toMatch(/^remote-b: url https:\/\/nonexistent\.invalid\/remote-b\/Cargo\.lock: no answer \(.*nonexistent\.invalid/m);
  });

  it('exits 3, not 0 or 1: the scan is incomplete', () => {
    expect(first.stderr).not.toContain('internal error');
    expect(first.code).toBe(3);
  });

  it('records the crates it could not look up as not covered because the index failed', async () => {
    const app = JSON.parse(await readFile(join(out, 'results/app/latest.json'), 'utf8')) as ScanResult;
    const failed = new Set(app.lockfiles.flatMap((l) => l.notCovered.filter((n) => n.reason === 'index-failed').map((n) => n.name)));
    expect(failed.size).toBe(V3_CRATES);
  });
});

describe('cratewatch scan with an index under a name that does not resolve, after a run that found the crates', () => {
  it('says once that the index cannot be reached, however many crates prepare and the repositories ask for', () => {
    const lines = downLines(second);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: index\.nonexistent\.invalid \(the index\): cannot be reached \((ENOTFOUND|EAI_AGAIN)\); not asking it again this run/);
  });

  it('reports the index refresh as failed rather than refreshed', () => {
    expect(second.stderr).toContain(`index: ${V3_CRATES} crates asked, ${V3_CRATES} could not be looked up\n`);
    expect(second.stderr).not.toContain('crates refreshed');
  });

  it('names the index in the summary as not checked and exits 3', () => {
    expect(notChecked(second)).toHaveLength(1);
    expect(notChecked(second)[0]).toMatch(new RegExp(`^not checked: index\\.nonexistent\\.invalid unreachable \\((ENOTFOUND|EAI_AGAIN)\\): ${V3_CRATES} crates not looked up \\(yanked/outdated not checked\\)$`));
    expect(second.code).toBe(3);
  });
});
