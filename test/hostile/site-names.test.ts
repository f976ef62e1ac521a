// The report site built from a lockfile whose crates are named to attack it: markup with event
// handlers, Markdown and table syntax, `..` and paths with `/`, and an advisory database whose
// ids do the same. The real pipeline scans it and the real Astro build renders it; then the
// built HTML is read as text: no payload appears unescaped, every page stays inside the output
// folder (nothing is written beside it), and every link to a crate, advisory or repository page
// leads to a page that exists.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { LocalRepoSource } from '../../functions/adapters/local-repo-source.ts';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import { runScan } from '../../functions/app/scan-pipeline.ts';
import type { CrateLookup, RepoConfig } from '../../functions/core/ports.ts';
import { FIXTURE_DB } from '../helpers/fixtures.ts';

const SITE_DIR = resolve(import.meta.dirname, '../../site');
const XSS = '<img src=x onerror=window.__xss=1>';
/** Crate names a lockfile may hold (Cargo.lock is only TOML): each is data, never markup or a path. */
const HOSTILE_CRATES = [XSS, '</script><script>window.__xss=2</script>', 'a|b`c*d_[x](javascript:alert(3))', '..', '.', '../../../escaped-crate', 'dir/sub', '%2e%2e', '"quoted\' & amp'];
const HOSTILE_ADVISORY_IDS = ['../../../escaped-advisory', 'RUSTSEC-2099-9/..', '<b>RUSTSEC-2099-0998</b>'];

let dir: string;
let out: string;
let pages: Map<string, string>;

function lockfile(): string {
  const names = [...HOSTILE_CRATES, 'hyper'];
  const versions = (name: string) => (name === 'hyper' ? '0.14.27' : '1.0.0');
  return [
    'version = 3',
    '',
    '[[package]]',
    'name = "app"',
    'version = "0.1.0"',
    // Only hyper is a dependency: an entry is "name version (source)", so a name with a space
    // cannot be one (Cargo refuses such an entry); the hostile crates are locked all the same.
    'dependencies = ["hyper"]',
    ...names.flatMap((n) => ['', '[[package]]', `name = ${JSON.stringify(n)}`, `version = "${versions(n)}"`, 'source = "registry+https://github.com/rust-lang/crates.io-index"']),
    '',
  ].join('\n');
}

function advisory(id: string, crate: string, n: number): string {
  return [
    '```toml',
    '[advisory]',
    `id = ${JSON.stringify(id)}`,
    `package = ${JSON.stringify(crate)}`,
    `date = "2099-02-${String(n).padStart(2, '0')}"`,
    `cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"`,
    '',
    '[versions]',
    'patched = [">= 9.0.0"]',
    '```',
    '',
    `# ${crate} is vulnerable`,
    '',
    `The crate ${crate} is named to attack the report.`,
    '',
  ].join('\n');
}

async function filesUnder(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => relative(root, join(d.parentPath, d.name)).split(sep).join('/'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-hostile-site-'));
  // The fixture database plus advisories for the hostile crates, some with hostile ids.
  const db = join(dir, 'db');
  await cp(FIXTURE_DB, db, { recursive: true });
  const advisories: [string, string][] = [
    ['RUSTSEC-2099-0990', XSS],
    ['RUSTSEC-2099-0991', '..'],
    ['RUSTSEC-2099-0992', 'a|b`c*d_[x](javascript:alert(3))'],
    [HOSTILE_ADVISORY_IDS[0]!, '../../../escaped-crate'],
    [HOSTILE_ADVISORY_IDS[1]!, 'dir/sub'],
    [HOSTILE_ADVISORY_IDS[2]!, '%2e%2e'],
  ];
  for (const [i, [id, crate]] of advisories.entries()) {
    await mkdir(join(db, 'crates', `hostile-${i}`), { recursive: true });
    await writeFile(join(db, 'crates', `hostile-${i}`, `RUSTSEC-2099-09${90 + i}.md`), advisory(id, crate, i + 1));
  }
  await mkdir(join(dir, 'repo'));
  await writeFile(join(dir, 'repo', 'Cargo.lock'), lockfile());
  const repos: RepoConfig[] = [{ name: 'hostile-names', location: { kind: 'path', path: join(dir, 'repo') }, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [] }];
  const store = new ResultStore(new FsObjectStore(join(dir, 'store')));
  let tick = 0;
  await runScan(
    { repositories: repos, configured: repos, alerts: { threshold: 'critical', unscored: false }, concurrency: 1 },
    {
      advisorySource: new LocalAdvisoryDbSource(db),
      dbLocation: db,
      index: { lookup: async (): Promise<CrateLookup> => ({ kind: 'found', versions: [] }) },
      cache: null,
      repoSources: { path: new LocalRepoSource({ maxFileBytes: 1_000_000 }) },
      store,
      alerter: { send: async () => undefined },
      now: () => new Date(Date.parse('2099-06-01T06:00:00Z') + 1000 * tick++),
    },
  );
  out = join(dir, 'out', 'site');
  await new AstroSiteBuilder({ siteDir: SITE_DIR }).build(join(dir, 'store', 'results'), out);
  pages = new Map();
  for (const file of (await filesUnder(out)).filter((f) => f.endsWith('.html'))) pages.set(file, await readFile(join(out, file), 'utf8'));
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the report site built from hostile crate names and advisory ids', () => {
  it('scans the lockfile with every hostile crate in it and finds the advisories of the hostile ones', async () => {
    const latest = JSON.parse(await readFile(join(dir, 'store', 'results', 'hostile-names', 'latest.json'), 'utf8')) as {
      lockfiles: { packages: { name: string }[]; findings: { advisory: { id: string } | null }[] }[];
    };
    expect(latest.lockfiles[0]!.packages.map((p) => p.name)).toEqual(expect.arrayContaining(HOSTILE_CRATES));
    expect(latest.lockfiles[0]!.findings.map((f) => f.advisory?.id)).toEqual(expect.arrayContaining(['RUSTSEC-2099-0990', ...HOSTILE_ADVISORY_IDS]));
  });

  it('writes every page inside the output folder and nothing beside it', async () => {
    expect(await readdir(join(dir, 'out'))).toEqual(['site']);
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['db', 'out', 'repo', 'store']));
    expect((await readdir(dir)).length).toBe(4);
    const files = await filesUnder(out);
    expect(files.some((f) => f.includes('escaped'))).toBe(false);
  });

  it('shows the markup-named crate as text on every page that names it, never as an element', () => {
    const escaped = '&lt;img src=x onerror=window.__xss=1&gt;';
    const naming = [...pages].filter(([, html]) => html.includes(escaped));
    expect(naming.map(([file]) => file)).toEqual(expect.arrayContaining(['repos/hostile-names/index.html']));
    for (const [file, html] of pages) {
      // Inside a quoted attribute value (a tooltip) `<` is text; Astro writes `"` there as &quot;.
      const markup = html.replace(/="[^"]*"/g, '=""');
      expect({ file, element: /<img[^>]*onerror/i.test(markup) }).toEqual({ file, element: false });
      expect({ file, script: /<script>window\.__xss/i.test(markup) }).toEqual({ file, script: false });
      expect({ file, javascript: /href="javascript:/i.test(html) }).toEqual({ file, javascript: false });
    }
  });

  it('links every crate, advisory and repository to a page that exists in the output folder', async () => {
    const files = new Set(await filesUnder(out));
    const broken: string[] = [];
    for (const [file, html] of pages) {
      for (const [, href] of html.matchAll(/href="(\/(?:crates|advisories|repos)\/[^"#]*)"/g)) {
        const path = decodeURIComponent(new URL(href!.replaceAll('&amp;', '&'), 'http://site.test/').pathname).slice(1);
        const target = path.endsWith('/') || path === '' ? `${path}index.html` : path;
        if (!files.has(target)) broken.push(`${file}: ${href} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('gives each hostile crate its own page, reached by its link', () => {
    for (const name of HOSTILE_CRATES) {
      const titled = [...pages].filter(([file, html]) => file.startsWith('crates/') && html.includes(`<h1`) && html.includes(name.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')));
      expect({ name, pages: titled.length > 0 }).toEqual({ name, pages: true });
    }
  });
});
