// Runs `cratewatch audit` as a real process on the largest shared lockfile and compares
// its JSON with the same audit done in-process.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { auditRepository } from '../../functions/app/audit-lockfile.ts';
import type { ScanResult } from '../../functions/core/result.ts';
import { assertValidResult } from '../helpers/result-schema.ts';
import { advisoryTarball, hasSharedData, sharedLockfile } from '../helpers/shared-data.ts';
import { LARGEST_LOCKFILE } from './expected.ts';

const CLI = resolve(import.meta.dirname, '../../functions/cli/cratewatch.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe.skipIf(!hasSharedData)('cratewatch audit as a process on the largest shared lockfile (shared data)', () => {
  const lockfilePath = sharedLockfile(LARGEST_LOCKFILE);
  let run: Run;
  let output: ScanResult;
  let inProcess: ScanResult;

  beforeAll(async () => {
    run = await runCli(['audit', '--offline', lockfilePath, '--db', advisoryTarball, '--format', 'json']);
    output = JSON.parse(run.stdout) as ScanResult;
    const db = await new LocalAdvisoryDbSource(advisoryTarball).load();
    const result = auditRepository({
      repository: { name: 'deps.rs', source: 'local', ref: null, commit: null },
      lockfiles: [{ path: lockfilePath, text: await readFile(lockfilePath, 'utf8') }],
      db,
      dbLocation: advisoryTarball,
      ignores: [],
      deny: [],
      now: new Date(output.scannedAt),
    });
    inProcess = JSON.parse(JSON.stringify(result)) as ScanResult;
  });

  it('exits 1 because vulnerabilities fail the default policy, and writes nothing to stderr', () => {
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
  });

  it('writes a result document that matches the published schema', () => {
    expect(() => assertValidResult(output)).not.toThrow();
    expect(output.status).toBe('failing');
    expect(output.advisoryDb).toMatchObject({ revision: 'bf5c0d245a92671908518d7e765914d437954ed6', advisoryCount: 1225, diagnostics: [] });
  });

  it('reports the same findings, duplicates and counts as the in-process audit', () => {
    const [cli] = output.lockfiles;
    const [direct] = inProcess.lockfiles;
    expect(cli!.findings).toHaveLength(9);
    expect(cli!.findings).toEqual(direct!.findings);
    expect(cli!.duplicates).toEqual(direct!.duplicates);
    expect(cli!.counts).toEqual(direct!.counts);
    expect(output.counts).toEqual(inProcess.counts);
    expect({ ...output, repository: null }).toEqual({ ...inProcess, repository: null });
  });
});
