// The one synth that bundles for real (local esbuild, no Docker): every handler entry
// resolves, each bundle loads in Node 24 and exports its handler, the stack's bundles are
// byte for byte what infra/bundling.ts's options give, and the staged site builder builds
// the site with nothing but its own node_modules.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileSystem } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_FILE,
  BUNDLED_HANDLERS,
  ESBUILD_OPTIONS,
  handlerEntry,
  MAX_SCAN_BUNDLE_BYTES,
  MAX_UNZIPPED_BYTES,
  SITE_BUILDER_EXTERNAL,
  SITE_BUILDER_HANDLER,
} from '../../infra/bundling.ts';
import { writeSiteFixtures } from '../helpers/site-fixtures.ts';
import { logicalId, ROOT, synthStack } from './stack-fixture.ts';

const run = promisify(execFile);
const FUNCTION_IDS: Record<string, string> = { prepare: 'FunctionsPrepare', 'scan-repo': 'FunctionsScanRepo', finish: 'FunctionsFinish', scan: 'FunctionsScan', 'build-report': 'FunctionsBuildReport' };

let assets: Record<string, string>;
let work: string;

/** Bytes of every file under `dir`, symlinks not followed. */
function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).reduce((sum, e) => {
    const stat = statSync(join(e.parentPath, e.name), { throwIfNoEntry: false });
    return e.isFile() && stat ? sum + stat.size : sum;
  }, 0);
}

/** What `import(file)` gives in a fresh Node 24 with no AWS settings: the type of the export `handler`. */
async function handlerType(file: string): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CRATEWATCH_')));
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); process.stdout.write(typeof m.handler);`], { cwd: tmpdir(), env });
  return stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cratewatch-bundling-'));
  const outdir = join(work, 'cdk.out');
  const { template } = synthStack({ bundling: true, outdir });
  const functions = template.findResources('AWS::Lambda::Function');
  assets = Object.fromEntries(
    Object.entries(FUNCTION_IDS).map(([name, prefix]) => {
      const key = functions[logicalId(template, 'AWS::Lambda::Function', prefix)]!.Properties.Code.S3Key as string;
      return [name, join(outdir, `asset.${key.replace(/\.zip$/, '')}`)];
    }),
  );
}, 300_000);

describe('the esbuild bundles', () => {
  it.each(BUNDLED_HANDLERS)('bundles %s to index.mjs and its source map, and nothing else', (name) => {
    expect(readdirSync(assets[name]!).sort()).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.map`]);
  });

  it.each(BUNDLED_HANDLERS)('loads the %s bundle in Node 24 (CommonJS requires included) and finds its handler', async (name) => {
    expect(await handlerType(join(assets[name]!, BUNDLE_FILE))).toBe('function');
  });

  it.each(BUNDLED_HANDLERS)("gives %s exactly the bytes infra/bundling.ts's options give esbuild", async (name) => {
    const outfile = join(work, 'esbuild', name, BUNDLE_FILE);
    await build({ ...ESBUILD_OPTIONS, entryPoints: [handlerEntry(name)], outfile });
    expect(readFileSync(join(assets[name]!, BUNDLE_FILE)).equals(readFileSync(outfile))).toBe(true);
  });

  it('keeps the scan bundle under its 1.5 MB budget', () => {
    expect(statSync(join(assets.scan!, BUNDLE_FILE)).size).toBeLessThan(MAX_SCAN_BUNDLE_BYTES);
  });
});

describe('the staged site builder', () => {
  const staged = () => assets[SITE_BUILDER_HANDLER]!;

  it('is named by the hash of what was staged, so a change to the handler, the site or a package is deployed', () => {
    expect(staged().endsWith(`asset.${FileSystem.fingerprint(staged())}`)).toBe(true);
  });

  it('holds the handler bundle, the Astro project, the core files its pages import, Astro and a module package.json', () => {
    for (const path of [BUNDLE_FILE, 'site/astro.config.mjs', 'site/src/pages/index.astro', 'functions/core/result.ts', 'node_modules/astro/package.json']) {
      expect(existsSync(join(staged(), path))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(staged(), 'package.json'), 'utf8'))).toEqual({ name: 'cratewatch-site-builder', private: true, type: 'module' });
  });

  it("stays under Lambda's 250 MB unzipped and leaves out development tools and the bundled AWS SDK", () => {
    expect(sizeOf(staged())).toBeLessThan(MAX_UNZIPPED_BYTES);
    for (const tool of ['typescript', 'vitest', 'aws-cdk-lib', 'cdk-nag', '@aws-sdk/client-s3', 'playwright-core', 's3rver']) {
      expect(existsSync(join(staged(), 'node_modules', tool))).toBe(false);
    }
  });

  it('bundles the handler with Astro left out, and it loads', async () => {
    const outfile = join(work, 'esbuild', SITE_BUILDER_HANDLER, BUNDLE_FILE);
    await build({ ...ESBUILD_OPTIONS, entryPoints: [handlerEntry(SITE_BUILDER_HANDLER)], outfile, external: [...SITE_BUILDER_EXTERNAL] });
    expect(readFileSync(join(staged(), BUNDLE_FILE)).equals(readFileSync(outfile))).toBe(true);
    expect(await handlerType(join(staged(), BUNDLE_FILE))).toBe('function');
  });

  it("builds the site from results with only the staged folder's own node_modules", async () => {
    // The builder as the handler uses it, bundled the same way, dropped into the staged folder
    // (outside the repository: nothing resolves from the project's node_modules).
    const entry = join(staged(), 'try-build.mjs');
    await build({
      ...ESBUILD_OPTIONS,
      stdin: {
        contents: `import { AstroSiteBuilder } from ${JSON.stringify(join(ROOT, 'functions/adapters/astro-site-builder.ts'))};
const [results, out, temp] = process.argv.slice(2);
await new AstroSiteBuilder({ siteDir: new URL('./site', import.meta.url).pathname, tempDir: temp }).build(results, out);`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      outfile: entry,
      external: [...SITE_BUILDER_EXTERNAL],
    });
    const results = await writeSiteFixtures(join(work, 'fixtures'));
    const out = join(work, 'site-out');
    await run(process.execPath, [entry, results, out, work], { cwd: staged() });
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/<title>[^<]*cratewatch<\/title>/);
    expect(existsSync(join(out, 'repos', 'payments-api', 'index.html'))).toBe(true);
  }, 120_000);
});

describe('npm run bundle (infra/bundle.ts)', () => {
  it('writes every bundle and the site builder, and prints their sizes', async () => {
    const out = join(work, 'dist');
    const { stdout } = await run(process.execPath, [join(ROOT, 'infra', 'bundle.ts'), out], { cwd: ROOT });
    for (const name of BUNDLED_HANDLERS) {
      expect(stdout).toMatch(new RegExp(`lambda/${name}/index\\.mjs +\\d+\\.\\d\\d MB +\\(source map \\d+\\.\\d\\d MB\\)`));
      expect(readFileSync(join(out, 'lambda', name, BUNDLE_FILE)).equals(readFileSync(join(assets[name]!, BUNDLE_FILE)))).toBe(true);
    }
    expect(stdout).toMatch(/site-builder\/ +\d+\.\d\d MB +unzipped, \d+ packages, (arm64|x86_64)/);
    expect(existsSync(join(out, 'site-builder', 'node_modules', 'astro', 'package.json'))).toBe(true);
  }, 120_000);
});
