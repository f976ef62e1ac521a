// The Content-Security-Policy the site is served with, against the site as Astro builds it:
// every inline script is allowed by its hash, nothing else inline, nothing from elsewhere.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AstroSiteBuilder } from '../../functions/adapters/astro-site-builder.ts';
import { contentSecurityPolicy, inlineHashes } from '../../infra/constructs/content-security-policy.ts';
import { writeSiteFixtures } from '../helpers/site-fixtures.ts';
import { ROOT } from './stack-fixture.ts';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('inlineHashes', () => {
  let site: string;
  beforeAll(async () => {
    site = await mkdtemp(join(tmpdir(), 'cratewatch-csp-'));
    await mkdir(join(site, 'src', 'components'), { recursive: true });
    await writeFile(join(site, 'src', 'pages.astro'), '---\n---\n<script is:inline>\nalert(1);\n</script>\n<script>bundled();</script>\n');
    await writeFile(join(site, 'src', 'components', 'A.astro'), '<style is:inline>p { color: red }</style>\n<script type="module" is:inline>go();</script>\n<script is:inline>\nalert(1);\n</script>\n');
  });
  afterAll(() => rm(site, { recursive: true, force: true }));

  it('hashes each distinct is:inline script and style body exactly, and leaves processed scripts out', () => {
    expect(inlineHashes(site)).toEqual({ scripts: [sha256('\nalert(1);\n'), sha256('go();')].sort(), styles: [sha256('p { color: red }')] });
  });

  it('puts the hashes into script-src and style-src of a policy that allows nothing else inline', () => {
    expect(contentSecurityPolicy({ scripts: ["'sha256-a'"], styles: ["'sha256-b'"] })).toBe(
      "default-src 'none'; script-src 'self' 'sha256-a'; style-src 'self' 'sha256-b'; img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});

describe('the built site under its policy', () => {
  let dir: string;
  let pages: { file: string; html: string }[];
  let hashes: ReturnType<typeof inlineHashes>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cratewatch-csp-site-'));
    const results = await writeSiteFixtures(dir);
    const out = join(dir, 'out');
    await new AstroSiteBuilder({ siteDir: join(ROOT, 'site'), tempDir: dir }).build(results, out);
    const files = (await readdir(out, { recursive: true })).filter((f) => f.endsWith('.html'));
    pages = await Promise.all(files.map(async (file) => ({ file, html: await readFile(join(out, file), 'utf8') })));
    hashes = inlineHashes(join(ROOT, 'site'));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('builds pages to check', () => {
    expect(pages.map((p) => p.file)).toContain('index.html');
  });

  it('has only inline scripts whose hashes the policy lists, and every listed hash is used', () => {
    const used = new Set(pages.flatMap((p) => [...p.html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => sha256(m[1]!))));
    expect([...used].filter((h) => !hashes.scripts.includes(h))).toEqual([]);
    expect(hashes.scripts.filter((h) => !used.has(h))).toEqual([]);
  });

  it('has no script file, inline style, style attribute or event-handler attribute the policy would block', () => {
    const blocked = pages.flatMap((p) =>
      [...p.html.matchAll(/<script\b[^>]*\bsrc=|<style\b|\sstyle="|\son[a-z]+="/g)].map((m) => `${p.file}: ${m[0]}`),
    );
    expect(blocked).toEqual([]);
  });

  it('loads stylesheets, images and scripts from its own origin only', () => {
    const foreign = pages.flatMap((p) => [...p.html.matchAll(/<(?:link|img|script)\b[^>]*\b(?:href|src)="(https?:)?\/\/[^"]*"/g)].map((m) => `${p.file}: ${m[0]}`));
    expect(foreign.filter((f) => !f.includes('rel="alternate"'))).toEqual([]);
  });
});
