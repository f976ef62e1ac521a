// Stages the site builder Lambda: the build-report handler bundled by esbuild with Astro left
// out, the Astro project, the core files its pages import, and exactly the installed packages
// they need at run time, found by walking package.json dependencies from what the sources import.
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLE_FILE, ESBUILD_OPTIONS, handlerEntry, PROJECT_ROOT, SITE_BUILDER_EXTERNAL, SITE_BUILDER_HANDLER } from './bundling.ts';

/** A package the staging needs is not installed, or the installed native bindings disagree. */
export class SiteBuilderStagingError extends Error {
  override name = 'SiteBuilderStagingError';
}

/**
 * The folders copied as they are, at the same relative places: the Astro project (the handler
 * finds it next to index.mjs, in site/) and the core files its pages import by relative path.
 */
const SOURCE_DIRS = ['site', join('functions', 'core')] as const;

/** The processor architecture of the installed native bindings, in Lambda's terms. */
export type SiteBuilderArchitecture = 'arm64' | 'x86_64';

export interface SiteBuilderPackages {
  /** Package folders relative to the project root (`node_modules/astro`, `node_modules/a/node_modules/b`). */
  dirs: string[];
  /** From the `cpu` of the native binding packages among them; arm64 when there are none. */
  architecture: SiteBuilderArchitecture;
}

export interface StagedSiteBuilder extends SiteBuilderPackages {
  outDir: string;
  /** Sum of the staged files' sizes: what Lambda counts against its 250 MB unzipped limit. */
  bytes: number;
  /** The bundled handler's size. */
  handlerBytes: number;
}

interface PackageJson {
  name?: string;
  cpu?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const IMPORT = /(?:^|[\n;])\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const BUILTINS = new Set(builtinModules);

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative and built-in ones. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The packages the staged sources import at run time (type-only imports left out), plus Astro itself. */
export function siteRuntimeImports(root = PROJECT_ROOT): string[] {
  const names = new Set<string>(['astro']);
  for (const dir of SOURCE_DIRS) {
    for (const file of filesUnder(join(root, dir)).filter((f) => /\.(?:astro|[cm]?[jt]s)$/.test(f))) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const name = packageOf((match[1] ?? match[2])!);
        if (name !== undefined) names.add(name);
      }
    }
  }
  return [...names].sort();
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's lookup: `name` in the nearest node_modules from `fromDir` up to the root. */
function resolvePackage(name: string, fromDir: string, root: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (!dir.endsWith(`${sep}node_modules`)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/**
 * Every installed package reachable from `roots` through dependencies, optional dependencies
 * that are installed (the native bindings for this platform) and required peer dependencies.
 */
export function siteBuilderPackages(roots: readonly string[] = siteRuntimeImports(), root = PROJECT_ROOT): SiteBuilderPackages {
  const found = new Map<string, PackageJson>();
  const visit = (name: string, fromDir: string, requiredBy: string, optional: boolean) => {
    const dir = resolvePackage(name, fromDir, root);
    if (dir === undefined) {
      if (optional) return;
      throw new SiteBuilderStagingError(`${name} (needed by ${requiredBy}) is not installed under ${join(root, 'node_modules')}; run npm ci and stage again`);
    }
    if (found.has(dir)) return;
    const pkg = readPackageJson(dir);
    found.set(dir, pkg);
    const from = relative(root, dir);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, from, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, from, true);
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) {
      if (pkg.peerDependenciesMeta?.[dep]?.optional !== true) visit(dep, dir, from, true);
    }
  };
  for (const name of roots) visit(name, root, 'the site', false);

  const cpus = new Set([...found.values()].flatMap((pkg) => pkg.cpu ?? []));
  if (cpus.size > 1) {
    throw new SiteBuilderStagingError(`the installed native bindings are for more than one processor (${[...cpus].join(', ')}); reinstall node_modules on one machine type`);
  }
  const cpu = [...cpus][0];
  if (cpu !== undefined && cpu !== 'x64' && cpu !== 'arm64') {
    throw new SiteBuilderStagingError(`the installed native bindings are for ${cpu}; Lambda runs x64 or arm64 only`);
  }
  return {
    dirs: [...found.keys()].map((dir) => relative(root, dir)).sort(),
    architecture: cpu === 'x64' ? 'x86_64' : 'arm64',
  };
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).reduce((sum, entry) => {
    const stat = lstatSync(join(entry.parentPath, entry.name));
    return stat.isFile() ? sum + stat.size : sum;
  }, 0);
}

/**
 * Writes the site builder's code folder to `outDir` (emptied first): `index.mjs` (+ map),
 * `site/`, `functions/core/`, `node_modules/` and a package.json. Synchronous, so the stack
 * can run it as a local asset bundling step.
 */
export function stageSiteBuilder(outDir: string, root = PROJECT_ROOT): StagedSiteBuilder {
  const packages = siteBuilderPackages(siteRuntimeImports(root), root);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  buildSync({
    ...ESBUILD_OPTIONS,
    entryPoints: [handlerEntry(SITE_BUILDER_HANDLER, root)],
    outfile: join(outDir, BUNDLE_FILE),
    external: [...SITE_BUILDER_EXTERNAL],
  });
  // Build leftovers (.astro/, node_modules/) stay behind: only sources are shipped.
  const sourcesOnly = (src: string) => !/(^|[/\\])(\.[^/\\]+|node_modules)$/.test(src.slice(root.length));
  for (const dir of SOURCE_DIRS) cpSync(join(root, dir), join(outDir, dir), { recursive: true, filter: sourcesOnly });
  for (const dir of packages.dirs) {
    const nested = join(root, dir, 'node_modules');
    // Nested packages that are needed are in the list themselves.
    cpSync(join(root, dir), join(outDir, dir), { recursive: true, verbatimSymlinks: true, filter: (src) => src !== nested && !src.startsWith(`${nested}${sep}`) });
  }
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ name: 'cratewatch-site-builder', private: true, type: 'module' }, null, 2)}\n`);

  return { ...packages, outDir, bytes: sizeOf(outDir), handlerBytes: lstatSync(join(outDir, BUNDLE_FILE)).size };
}
