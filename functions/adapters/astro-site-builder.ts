// The report site built with Astro's programmatic build. The build runs from a temporary
// root that links to the site's sources, so every cache and generated file lands in a
// temporary folder: the code directory may be read-only, as it is in Lambda.
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'astro';
import type { SiteBuilder } from '../core/ports.ts';

export interface AstroSiteBuilderOptions {
  /** The Astro project (holds astro.config.mjs and src/). */
  siteDir: string;
  /** Where temporary roots go; the system's temporary folder by default. */
  tempDir?: string;
  /** The site's public URL, for absolute links in the feed; optional. */
  siteUrl?: string;
}

/** The node_modules folder Astro itself was loaded from. */
function nodeModulesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve('astro')));
  while (!dir.endsWith('/node_modules') && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export class AstroSiteBuilder implements SiteBuilder {
  private readonly options: AstroSiteBuilderOptions;

  constructor(options: AstroSiteBuilderOptions) {
    this.options = options;
  }

  async build(resultsDir: string, outDir: string): Promise<void> {
    // Resolved before the build changes the working directory.
    const siteDir = resolve(this.options.siteDir);
    const results = resolve(resultsDir);
    const out = resolve(outDir);
    const root = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'cratewatch-site-'));
    const cwd = process.cwd();
    try {
      // The sources are used where they are (srcDir): a symlinked src/ loses the CSS bundle.
      await symlink(nodeModulesDir(), join(root, 'node_modules'), 'dir');
      await cp(join(siteDir, 'astro.config.mjs'), join(root, 'astro.config.mjs'));
      await mkdir(join(root, 'public'), { recursive: true });
      // Astro stages prerender chunks under the working directory when outDir is outside it;
      // working from the temporary root keeps them out of the (maybe read-only) code folder.
      process.chdir(root);
      await build({
          root,
          srcDir: join(siteDir, 'src'),
          publicDir: join(root, 'public'),
          outDir: out,
          cacheDir: join(root, '.cache'),
          logLevel: 'warn',
          ...(this.options.siteUrl ? { site: this.options.siteUrl } : {}),
          vite: {
            cacheDir: join(root, '.vite'),
            define: { 'import.meta.env.CRATEWATCH_RESULTS_DIR': JSON.stringify(results) },
            logLevel: 'warn',
          },
        });
    } finally {
      process.chdir(cwd);
      await rm(root, { recursive: true, force: true });
    }
  }
}
