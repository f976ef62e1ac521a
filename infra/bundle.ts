// `npm run bundle [-- OUT]`: writes every Lambda's code to dist/ (or OUT) with the stack's own esbuild options
// (infra/bundling.ts), prints the sizes, and fails when the scan bundle outgrows its budget
// or the site builder outgrows Lambda's unzipped limit. The stack stages the same code at
// synth; this is for looking at it, measuring it and running it by hand.
import { statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_FILE, BUNDLED_HANDLERS, ESBUILD_OPTIONS, handlerEntry, MAX_SCAN_BUNDLE_BYTES, MAX_UNZIPPED_BYTES, PROJECT_ROOT } from './bundling.ts';
import { stageSiteBuilder } from './site-builder.ts';

const DIST = process.argv[2] ? resolve(process.argv[2]) : join(PROJECT_ROOT, 'dist');
const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;
const problems: string[] = [];

for (const name of BUNDLED_HANDLERS) {
  const outfile = join(DIST, 'lambda', name, BUNDLE_FILE);
  await build({ ...ESBUILD_OPTIONS, entryPoints: [handlerEntry(name)], outfile });
  const bytes = statSync(outfile).size;
  console.log(`${relative(DIST, outfile).padEnd(28)} ${mb(bytes).padStart(10)}   (source map ${mb(statSync(`${outfile}.map`).size)})`);
  if (name === 'scan' && bytes > MAX_SCAN_BUNDLE_BYTES) {
    problems.push(`the scan bundle is ${mb(bytes)}, over its ${mb(MAX_SCAN_BUNDLE_BYTES)} budget: look for a dependency that pulls in more than it should (esbuild --analyze)`);
  }
}

const staged = stageSiteBuilder(join(DIST, 'site-builder'));
console.log(`${relative(DIST, join(staged.outDir, BUNDLE_FILE)).padEnd(28)} ${mb(staged.handlerBytes).padStart(10)}`);
console.log(`${`${relative(DIST, staged.outDir)}/`.padEnd(28)} ${mb(staged.bytes).padStart(10)}   unzipped, ${staged.dirs.length} packages, ${staged.architecture}`);
if (staged.bytes >= MAX_UNZIPPED_BYTES) {
  problems.push(`the site builder is ${mb(staged.bytes)} unzipped, over Lambda's ${mb(MAX_UNZIPPED_BYTES)} limit`);
}

for (const problem of problems) console.error(`bundle: ${problem}`);
if (problems.length > 0) process.exitCode = 1;
