// `main(argv, io)` in-process, with a fake terminal: what only a TTY or an injected clock can show.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/cratewatch.ts';
import type { ScanResult } from '../../../functions/core/result.ts';
import { FIXTURE_DB, FIXTURES } from '../../helpers/fixtures.ts';

const V3 = `${FIXTURES}lockfiles/v3.Cargo.lock`;
const NOW = new Date('2099-06-01T12:00:00Z');

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(argv: string[], options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new Capture(options.tty ?? false);
  const stderr = new Capture(false);
  const code = await main(argv, { stdout, stderr, env: options.env ?? {}, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('cratewatch main', () => {
  it('colours the table when stdout is a TTY and NO_COLOR is unset', async () => {
    const { code, stdout } = await run(['audit', '--offline', V3, '--db', FIXTURE_DB], { tty: true });
    expect(code).toBe(1);
    expect(stdout).toContain('\u001b[35mCRITICAL\u001b[0m');
  });

  it('prints a plain table on a TTY when NO_COLOR is set', async () => {
    const { code, stdout } = await run(['audit', '--offline', V3, '--db', FIXTURE_DB], { tty: true, env: { NO_COLOR: '1' } });
    expect(code).toBe(1);
    expect(stdout).toContain('CRITICAL (1)');
    expect(stdout).not.toContain('\u001b');
  });

  it('prints JSON without escape codes even on a TTY', async () => {
    const { stdout } = await run(['audit', '--offline', V3, '--db', FIXTURE_DB, '--format', 'json'], { tty: true });
    expect(stdout).not.toContain('\u001b');
    expect(() => JSON.parse(stdout)).not.toThrow();
  });

  it('stamps the result with the injected clock', async () => {
    const { stdout } = await run(['audit', '--offline', V3, '--db', FIXTURE_DB, '--format', 'json']);
    expect((JSON.parse(stdout) as ScanResult).scannedAt).toBe('2099-06-01T12:00:00.000Z');
  });

  it('reads the database from CRATEWATCH_DB in the given environment, not the process one', async () => {
    const { code, stdout } = await run(['audit', '--offline', V3], { env: { CRATEWATCH_DB: FIXTURE_DB } });
    expect(code).toBe(1);
    expect(stdout).toContain('RUSTSEC-2099-0001');
  });

  it('exits 0 and prints the audit options for audit --help', async () => {
    const { code, stdout } = await run(['audit', '--help']);
    expect(code).toBe(0);
    for (const option of ['--db', '--format', '--deny', '--ignore', '--offline']) expect(stdout).toContain(option);
  });

  it('exits 2 and prints the commands on stderr with no arguments', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('audit [LOCKFILE]');
  });

  it('exits 0 and prints the version for --version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^cratewatch \d+\.\d+\.\d+/);
  });
});
