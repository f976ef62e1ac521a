import { describe, expect, it } from 'vitest';
import type { AdvisoryInfo, Finding, FindingRef, ScanResult } from '../../../functions/core/result.ts';
import { emptyCounts } from '../../../functions/core/result.ts';
import { escapeXml, nameUrn, uuidV5, newFindingEntries, renderAtom, type AtomFeed, type FeedSource } from '../../../site/src/lib/atom.ts';

const links = { repository: (name: string) => `/repos/${name}/`, advisory: (id: string) => `/advisories/${id}/` };

function advisory(id: string, title: string): AdvisoryInfo {
  return {
    id,
    title,
    date: '2099-01-10',
    url: null,
    aliases: [],
    related: [],
    references: [],
    categories: [],
    keywords: [],
    informational: null,
    cvss: null,
    patched: ['>= 0.14.28'],
    unaffected: [],
    affected: null,
    license: null,
    description: '',
  };
}

function finding(name: string, version: string, adv: AdvisoryInfo | undefined, severity: Finding['severity']): Finding {
  return {
    kind: adv ? 'vulnerability' : 'yanked',
    severity,
    package: { name, version, source: null },
    ...(adv ? { advisory: adv } : {}),
    fix: { status: 'compatible', version: '0.14.28', command: 'cargo update', summary: `Upgrade ${name} to 0.14.28.` },
    paths: [],
    line: 1,
  };
}

function ref(f: Finding, lockfile = 'Cargo.lock'): FindingRef {
  return { lockfile, kind: f.kind, id: f.advisory?.id ?? 'yanked', package: { name: f.package.name, version: f.package.version }, severity: f.severity };
}

function scan(repository: string, scannedAt: string, findings: Finding[], fresh: Finding[] = findings): ScanResult {
  return {
    schemaVersion: 1,
    tool: { name: 'cratewatch', version: '0.1.0' },
    repository: { name: repository, source: `path:/src/${repository}`, ref: null, commit: null },
    scannedAt,
    advisoryDb: { revision: 'abc', location: 'db', fetchedAt: null, advisoryCount: 2, diagnostics: [] },
    policy: { deny: [] },
    status: 'failing',
    errors: [],
    carriedFrom: null,
    lockfiles: [
      {
        path: 'Cargo.lock',
        format: 3,
        packageCount: 3,
        rustVersion: null,
        status: 'failing',
        packages: [],
        findings,
        ignored: [],
        ignoreProblems: [],
        duplicates: [],
        outdated: [],
        notCovered: [],
        errors: [],
        counts: emptyCounts(),
      },
    ],
    counts: emptyCounts(),
    diff: { previousScanAt: null, new: fresh.map((f) => ref(f)), resolved: [] },
  };
}

const hyper = finding('hyper', '0.14.27', advisory('RUSTSEC-2099-0001', 'Out-of-bounds write in `hyper` <client> & "more"'), 'critical');
const h2 = finding('h2', '0.3.20', advisory('RUSTSEC-2099-0002', 'Resource exhaustion'), 'high');
const yanked = finding('smallvec', '0.6.13', undefined, 'informational');

const sources: FeedSource[] = [
  {
    name: 'app',
    history: [scan('app', '2026-01-01T00:00:00.000Z', [hyper]), scan('app', '2026-01-02T00:00:00.000Z', [hyper, h2, yanked], [yanked, h2]), scan('app', '2026-01-03T00:00:00.000Z', [hyper, h2, yanked], [])],
  },
  { name: 'other', history: [scan('other', '2026-01-02T00:00:00.000Z', [hyper])] },
];

describe('newFindingEntries', () => {
  const entries = newFindingEntries(sources, links);

  it('makes one entry per new finding per scan, newest first, then by repository and most severe first', () => {
    expect(entries.map((e) => e.title)).toEqual([
      'h2 0.3.20: RUSTSEC-2099-0002 (high) in app',
      'smallvec 0.6.13: yanked in app',
      'hyper 0.14.27: RUSTSEC-2099-0001 (critical) in other',
      'hyper 0.14.27: RUSTSEC-2099-0001 (critical) in app',
    ]);
  });

  it('dates each entry by its scan and links it to its finding on the repository page and to the advisory page', () => {
    expect(entries[0]).toMatchObject({
      updated: '2026-01-02T00:00:00.000Z',
      link: '/repos/app/#f-Cargo.lock-RUSTSEC-2099-0002-h2-0.3.20',
      related: ['/advisories/RUSTSEC-2099-0002/'],
      summary: 'Resource exhaustion. Locked in Cargo.lock of app. Upgrade h2 to 0.14.28.',
      categories: ['vulnerability', 'high'],
    });
    expect(entries[1]!.related).toEqual([]);
  });

  it('links a finding no longer open to the repository page itself: its entry there is gone', () => {
    const fixed = [...sources[0]!.history, scan('app', '2026-01-04T00:00:00.000Z', [hyper], [])];
    const titled = newFindingEntries([{ name: 'app', history: fixed }], links);
    expect(titled.find((e) => e.title.startsWith('h2 '))!.link).toBe('/repos/app/');
    expect(titled.find((e) => e.title.startsWith('hyper '))!.link).toBe('/repos/app/#f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27');
  });

  it('gives the same finding seen in two scans or two repositories different ids, and the same ids on every build', () => {
    const ids = entries.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newFindingEntries(sources, links).map((e) => e.id)).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('names a lockfile other than the root one in the title', () => {
    const nested = scan('app', '2026-01-04T00:00:00.000Z', [hyper], []);
    nested.lockfiles[0]!.path = 'tools/Cargo.lock';
    nested.diff.new = [ref(hyper, 'tools/Cargo.lock')];
    expect(newFindingEntries([{ name: 'app', history: [nested] }], links)[0]!.title).toBe('hyper 0.14.27: RUSTSEC-2099-0001 (critical) in app (tools/Cargo.lock)');
  });

  it('keeps at most the limit, the newest', () => {
    expect(newFindingEntries(sources, links, 2).map((e) => e.title)).toEqual(entries.slice(0, 2).map((e) => e.title));
  });
});

/** A small well-formedness check: balanced tags, no stray `<` or `&`, one root. */
function checkXml(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, '');
  const stack: string[] = [];
  let roots = 0;
  for (const part of body.split(/(<[^<>]*>)/)) {
    if (part.startsWith('<')) {
      const m = /^<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>$/.exec(part);
      if (!m) problems.push(`bad tag ${part}`);
      else if (m[1]) {
        if (stack.pop() !== m[2]) problems.push(`unbalanced ${part}`);
      } else if (!m[4]) {
        if (stack.length === 0) roots++;
        stack.push(m[2]!);
      }
    } else if (/[<>]|&(?!(?:amp|lt|gt|quot|apos);)/.test(part)) problems.push(`bad text ${part}`);
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join(',')}`);
  if (roots !== 1) problems.push(`${roots} roots`);
  return problems;
}

describe('renderAtom', () => {
  const feed: AtomFeed = {
    id: nameUrn('feed'),
    title: 'cratewatch: new findings',
    subtitle: 'New RustSec findings & yanked crates',
    updated: '2026-01-02T00:00:00.000Z',
    self: 'https://example.com/feed.xml?a=1&b=2',
    alternate: 'https://example.com/',
    entries: newFindingEntries(sources, links),
  };
  const xml = renderAtom(feed);

  it('writes well-formed Atom 1.0 with the elements RFC 4287 requires', () => {
    expect(checkXml(xml)).toEqual([]);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    for (const element of ['<id>', '<title>', '<updated>', '<author><name>cratewatch</name></author>']) expect(xml).toContain(element);
    expect(xml.match(/<entry>/g)).toHaveLength(4);
    expect(xml).toContain('<link rel="self" type="application/atom+xml" href="https://example.com/feed.xml?a=1&amp;b=2"/>');
    expect(xml).toContain('<link rel="alternate" type="text/html" href="/repos/app/#f-Cargo.lock-RUSTSEC-2099-0002-h2-0.3.20"/>');
  });

  it('escapes advisory text', () => {
    expect(xml).toContain('Out-of-bounds write in `hyper` &lt;client&gt; &amp; &quot;more&quot;.');
    expect(xml).not.toContain('<client>');
  });

  it('stays well-formed with control characters and markup in the text', () => {
    const hostile = renderAtom({ ...feed, entries: [{ ...feed.entries[0]!, title: 'a\u0000b\u001b</title><script>', summary: ']]><x>&\uD800' }] });
    expect(checkXml(hostile)).toEqual([]);
    expect(hostile).toContain('<title type="text">a\uFFFDb\uFFFD&lt;/title&gt;&lt;script&gt;</title>');
  });

  it('writes a feed without entries', () => {
    expect(checkXml(renderAtom({ ...feed, entries: [] }))).toEqual([]);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials and replaces characters XML forbids', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('tab\tok \u0007 \uFFFF 😀')).toBe('tab\tok \uFFFD \uFFFD 😀');
  });
});

describe('uuidV5', () => {
  it('matches the RFC 9562 example (DNS namespace, www.example.com)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('nameUrn', () => {
  it('is a version 5 UUID that depends only on the name', () => {
    expect(nameUrn('a')).toBe(nameUrn('a'));
    expect(nameUrn('a')).not.toBe(nameUrn('b'));
    expect(nameUrn('a')).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
