import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { bundleCli, type CliBundle, forbiddenInputs, LAUNCHER_FILE, MAIN_FILE, minimumNode, startupOutputs, STARTUP_FORBIDDEN } from '../../infra/bundle-cli.ts';

describe('minimumNode', () => {
  it.each([
    ['>=22.19.0', [22, 19, 0]],
    ['>= 24.1.2', [24, 1, 2]],
  ] as const)('reads %s as %j', (engines, expected) => {
    expect(minimumNode(engines)).toEqual(expected);
  });

  it.each([undefined, '>=22', '^22.19.0', '>=22.19.0 <25'])('rejects %j, naming the field and the accepted form', (engines) => {
    expect(() => minimumNode(engines)).toThrow(`package.json engines.node is ${JSON.stringify(engines)}: expected ">=X.Y.Z"`);
  });
});

describe('bundleCli', () => {
  let out: string;
  let bundle: CliBundle;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'cratewatch-bundle-cli-'));
    bundle = await bundleCli(join(out, 'cli'));
  }, 120_000);
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const outputOf = (file: string) => relative(PROJECT_ROOT, join(out, 'cli', file));

  it('keeps the AWS SDK and Astro out of what --version and audit load, while invoke and scan still bundle the SDK', () => {
    const startup = startupOutputs(bundle.metafile, outputOf(MAIN_FILE));
    expect(forbiddenInputs(bundle.metafile, startup, STARTUP_FORBIDDEN)).toEqual([]);
    const onDemand = Object.keys(bundle.metafile.outputs).filter((output) => !startup.has(output));
    expect(forbiddenInputs(bundle.metafile, onDemand, ['@aws-sdk/client-lambda/', '@aws-sdk/client-s3/']).length).toBeGreaterThan(0);
  });

  it('leaves astro to be imported from node_modules at run time', () => {
    const externals = Object.values(bundle.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
    expect(externals).toContain('astro');
  });

  it('writes every chunk beside main.js, where report.ts finds site/ two folders up', () => {
    expect(bundle.chunks.every((chunk) => !chunk.file.includes('/'))).toBe(true);
  });

  it('writes an executable launcher that prints the version on this Node', async () => {
    const launcher = join(out, 'cli', LAUNCHER_FILE);
    expect((await readFile(launcher, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [launcher, '--version']);
    const { version } = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(stdout).toBe(`cratewatch ${version}\n`);
  });
});
