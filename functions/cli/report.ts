// `cratewatch report`: (re)builds the report site from the results folder, and serves it
// on localhost with --serve.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandIo } from './audit.ts';
import { EXIT, UsageError } from './usage-error.ts';

export const REPORT_HELP = `Usage: cratewatch report [options]

Builds the static report site from the results of earlier scans.

Options:
  --out DIR         the folder scans write to (default: .cratewatch); the site goes
                    to DIR/site
  --site-url URL    the site's public address, for absolute links in the feed
  --serve           serve the site on http://127.0.0.1 after building it
  --port N          the port for --serve (default: 4321; 0 for any free port)
  --no-build        with --serve: serve what is there without rebuilding
  -h, --help        show this help
`;

/** The Astro project shipped with cratewatch. */
export const SITE_DIR = resolve(import.meta.dirname, '../../site');

/** Builds `<out>/site` from `<out>/results`; the adapter (and Astro) load only when needed. */
export async function buildReport(out: string, siteUrl?: string): Promise<string> {
  const results = join(out, 'results');
  if (!existsSync(join(results, 'index.json'))) {
    throw new UsageError(`no results in ${results}: run \`cratewatch scan\` first (or pass --out)`);
  }
  const { AstroSiteBuilder } = await import('../adapters/astro-site-builder.ts');
  const site = join(out, 'site');
  await new AstroSiteBuilder({ siteDir: SITE_DIR, ...(siteUrl ? { siteUrl } : {}) }).build(results, site);
  return site;
}

export async function runReport(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', default: '.cratewatch' },
      'site-url': { type: 'string' },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '4321' },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(REPORT_HELP);
    return EXIT.ok;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const site = values['no-build'] ? join(values.out, 'site') : await buildReport(values.out, values['site-url']);
  io.stdout.write(`report in ${resolve(site, 'index.html')}\n`);
  if (!values.serve) return EXIT.ok;
  const { serveStaticSite } = await import('../adapters/static-site-server.ts');
  const server = await serveStaticSite(site, port);
  io.stdout.write(`serving ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return EXIT.ok;
}
