// /feed.xml: an Atom feed of new findings across every repository's history. Links are
// absolute when the site's URL is configured (`site`); otherwise they are root-relative,
// which feed readers resolve against the feed's own address.
import type { APIRoute } from 'astro';
import { nameUrn, newFindingEntries, renderAtom } from '../lib/atom.ts';
import { loadSiteData } from '../lib/data.ts';
import { advisoryUrl, homeUrl, repoUrl } from '../lib/format.ts';

/** At most this many entries, the newest: enough for a reader polling daily. */
const LIMIT = 200;

export const GET: APIRoute = ({ site }) => {
  const data = loadSiteData();
  const absolute = (path: string) => (site ? new URL(path, site).href : path);
  const self = absolute(`${homeUrl()}feed.xml`);
  const entries = newFindingEntries(data.repositories, { repository: (name) => absolute(repoUrl(name)), advisory: (id) => absolute(advisoryUrl(id)) }, LIMIT);
  const xml = renderAtom({
    // The feed's address names it when there is one; without, a fixed URN does.
    id: site ? self : nameUrn('cratewatch feed of new findings'),
    title: 'cratewatch: new findings',
    subtitle: 'RustSec advisories and yanked crates newly found in the portfolio’s lockfiles',
    updated: entries[0]?.updated ?? new Date(data.summary.generatedAt).toISOString(),
    self,
    alternate: absolute(homeUrl()),
    entries,
  });
  return new Response(xml, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
