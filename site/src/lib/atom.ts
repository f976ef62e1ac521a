// The Atom 1.0 feed of new findings (RFC 4287): one entry per finding that a scan saw for
// the first time, built from each result's `diff.new`, plus the XML writing it needs.
import { createHash } from 'node:crypto';
import { findingAnchor } from '../../../functions/core/finding-anchor.ts';
import type { Finding, FindingRef, ScanResult } from '../../../functions/core/result.ts';
import { severityOrder } from './format.ts';

export interface AtomEntry {
  /** A permanent, unique IRI. */
  id: string;
  title: string;
  /** RFC 3339. */
  updated: string;
  /** The page the entry is about. */
  link: string;
  /** More pages, such as the advisory's. */
  related: string[];
  summary: string;
  categories: string[];
}

export interface AtomFeed {
  id: string;
  title: string;
  subtitle: string;
  /** RFC 3339; the newest entry's time, or when the site was generated. */
  updated: string;
  /** The feed's own address. */
  self: string;
  /** The site the feed belongs to. */
  alternate: string;
  entries: AtomEntry[];
}

// Characters XML 1.0 does not allow at all (C0 controls but tab, newline and return;
// unpaired surrogates; U+FFFE and U+FFFF): advisory text must not make the feed unreadable.
// oxlint-disable-next-line no-control-regex -- matching the control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe in XML content and in double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

// The namespace of cratewatch's name-based UUIDs; fixed forever, so ids stay the same.
const NAMESPACE = 'ccfa38fb-98ba-4f60-8430-37bfd582a31d';

/** A name-based UUID (version 5, RFC 9562 section 5.5): SHA-1 of the namespace and the name. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A permanent id for `name`: the same name always gives the same `urn:uuid:` IRI. */
export function nameUrn(name: string): string {
  return `urn:uuid:${uuidV5(NAMESPACE, name)}`;
}

export interface FeedSource {
  name: string;
  /** Oldest first, as loadSiteData gives it; order does not matter here. */
  history: readonly ScanResult[];
}

export interface FeedLinks {
  /** The repository page's address. */
  repository(name: string): string;
  /** The advisory page's address. */
  advisory(id: string): string;
}

function findingFor(result: ScanResult, ref: FindingRef): Finding | undefined {
  const lockfile = result.lockfiles.find((l) => l.path === ref.lockfile);
  return [...(lockfile?.findings ?? []), ...(lockfile?.ignored ?? [])].find(
    (f) => f.kind === ref.kind && (f.advisory?.id ?? 'yanked') === ref.id && f.package.name === ref.package.name && f.package.version === ref.package.version,
  );
}

/** The anchor of a finding's entry on its repository page (the page sets the same ids). */
function anchorOf(ref: FindingRef): string {
  return findingAnchor(ref.lockfile, ref.id, ref.package.name, ref.package.version);
}

function entryFor(repository: string, result: ScanResult, ref: FindingRef, links: FeedLinks, open: ReadonlySet<string>): AtomEntry {
  const finding = findingFor(result, ref);
  const crate = `${ref.package.name} ${ref.package.version}`;
  const where = ref.lockfile === 'Cargo.lock' ? repository : `${repository} (${ref.lockfile})`;
  const isYanked = ref.kind === 'yanked';
  const title = isYanked ? `${crate}: yanked in ${where}` : `${crate}: ${ref.id} (${ref.severity}) in ${where}`;
  const summary = [
    finding?.advisory ? `${finding.advisory.title}.` : isYanked ? `${crate} was yanked from its registry.` : `${ref.kind} ${ref.id}.`,
    `Locked in ${ref.lockfile} of ${repository}.`,
    finding ? finding.fix.summary : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  return {
    // The finding's identity (core/result.ts findingKey) plus when it was seen, and where from.
    id: nameUrn([result.repository.source, repository, ref.lockfile, ref.kind, ref.id, ref.package.name, ref.package.version, result.scannedAt].join('\u0000')),
    title,
    updated: new Date(result.scannedAt).toISOString(),
    // The finding's own entry on the repository page while it is open there; the page once it is not.
    link: open.has(anchorOf(ref)) ? `${links.repository(repository)}#${anchorOf(ref)}` : links.repository(repository),
    related: isYanked ? [] : [links.advisory(ref.id)],
    summary,
    categories: [ref.kind, ref.severity],
  };
}

/**
 * One entry per new finding per scan across every repository's history, newest first
 * (then by repository, most severe first), at most `limit`.
 */
export function newFindingEntries(sources: readonly FeedSource[], links: FeedLinks, limit = 200): AtomEntry[] {
  const found: { entry: AtomEntry; at: string; repository: string; rank: number; key: string }[] = [];
  for (const source of sources) {
    const latest = source.history.reduce<ScanResult | undefined>((a, r) => (a === undefined || r.scannedAt > a.scannedAt ? r : a), undefined);
    const open = new Set(latest?.lockfiles.flatMap((l) => l.findings.map((f) => findingAnchor(l.path, f.advisory?.id ?? 'yanked', f.package.name, f.package.version))) ?? []);
    for (const result of source.history) {
      for (const ref of result.diff.new) {
        found.push({
          entry: entryFor(source.name, result, ref, links, open),
          at: result.scannedAt,
          repository: source.name,
          rank: severityOrder.indexOf(ref.severity),
          key: `${ref.lockfile}\u0000${ref.id}\u0000${ref.package.name}\u0000${ref.package.version}`,
        });
      }
    }
  }
  const byTime = (a: string, b: string) => Date.parse(b) - Date.parse(a);
  found.sort((a, b) => byTime(a.at, b.at) || a.repository.localeCompare(b.repository) || a.rank - b.rank || a.key.localeCompare(b.key));
  // The same entry twice (a result listed twice) would break a reader's de-duplication.
  const seen = new Set<string>();
  return found
    .map((f) => f.entry)
    .filter((e) => !seen.has(e.id) && seen.add(e.id))
    .slice(0, limit);
}

function link(href: string, rel?: string, type?: string): string {
  return `<link${rel ? ` rel="${rel}"` : ''}${type ? ` type="${type}"` : ''} href="${escapeXml(href)}"/>`;
}

/** The feed as an Atom 1.0 document. */
export function renderAtom(feed: AtomFeed): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${escapeXml(feed.id)}</id>`,
    `  <title>${escapeXml(feed.title)}</title>`,
    `  <subtitle>${escapeXml(feed.subtitle)}</subtitle>`,
    `  <updated>${escapeXml(feed.updated)}</updated>`,
    `  ${link(feed.self, 'self', 'application/atom+xml')}`,
    `  ${link(feed.alternate, 'alternate', 'text/html')}`,
    '  <author><name>cratewatch</name></author>',
    '  <generator>cratewatch</generator>',
  ];
  for (const entry of feed.entries) {
    lines.push(
      '  <entry>',
      `    <id>${escapeXml(entry.id)}</id>`,
      `    <title type="text">${escapeXml(entry.title)}</title>`,
      `    <updated>${escapeXml(entry.updated)}</updated>`,
      `    ${link(entry.link, 'alternate', 'text/html')}`,
      ...entry.related.map((href) => `    ${link(href, 'related', 'text/html')}`),
      ...entry.categories.map((term) => `    <category term="${escapeXml(term)}"/>`),
      `    <summary type="text">${escapeXml(entry.summary)}</summary>`,
      '  </entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}
