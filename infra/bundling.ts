// What the Lambda bundles are and how esbuild builds them: the one source of these options
// for `npm run bundle` (infra/bundle.ts) and for the stack's NodejsFunctions.
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';

/** The repository root: entries, the lockfile and site/ are found from here. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** The handlers esbuild bundles into one file each (`functions/handlers/<name>.ts`, export `handler`). */
export const BUNDLED_HANDLERS = ['prepare', 'scan-repo', 'finish', 'scan'] as const;
export type BundledHandler = (typeof BUNDLED_HANDLERS)[number];

/** The site builder's handler: bundled too, but shipped with Astro beside it (see site-builder.ts). */
export const SITE_BUILDER_HANDLER = 'build-report';

/** Every bundle exports its handler under this name, from `index.mjs`. */
export const HANDLER_EXPORT = 'handler';
export const BUNDLE_FILE = 'index.mjs';

/** The whole-portfolio bundle must stay small: it is the cold start of a scheduled scan. */
export const MAX_SCAN_BUNDLE_BYTES = 1.5 * 1024 * 1024;
/** Lambda's limit for a function's unzipped code. */
export const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;

export function handlerEntry(name: string, root = PROJECT_ROOT): string {
  return join(root, 'functions', 'handlers', `${name}.ts`);
}

/**
 * Bundled CommonJS dependencies (parts of the AWS SDK) call `require("node:https")`; in an
 * ES module esbuild's shim finds no `require` and throws `Dynamic require of "node:https" is
 * not supported` at run time. A real `require` made from the bundle's own URL fixes that.
 * Single quotes only: the NodejsFunction passes the banner on a command line.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __cratewatchCreateRequire } from 'node:module'; const require = __cratewatchCreateRequire(import.meta.url);";

/**
 * esbuild's options for every handler bundle. ESM because the handlers use top-level await;
 * the AWS SDK is bundled (nothing external) so the version tested is the version deployed;
 * `module` before `main` picks the SDK's ES module builds, which bundle smaller.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  external: [],
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Astro stays outside the site builder's bundle: it loads its own files and native bindings at run time. */
export const SITE_BUILDER_EXTERNAL = ['astro', 'astro/*'] as const;
