// A crawl of a built report site from its overview, for the site tests: every internal link
// of every HTML page followed once, each address's status, and the fragments linked to that
// no page holds. Pages are read in Chromium so links made by markup and by scripts both count.
import type { Browser } from 'playwright-core';
import { openPage, visit } from './browser.ts';

export interface Crawl {
  /** Every address reached (path only), with its HTTP status. */
  statuses: Map<string, number>;
  /** `from → path#id` for links to an id the target page does not have. */
  brokenFragments: string[];
  /** Console errors, uncaught exceptions and failed requests, with the page they happened on. */
  problems: string[];
}

/** Crawls the site at `origin` from `/`, without following redirects. */
export async function crawlSite(browser: Browser, origin: string): Promise<Crawl> {
  const watched = await openPage(browser, origin);
  try {
    const { page, problems } = watched;
    const queue = ['/'];
    const seen = new Set(queue);
    const statuses = new Map<string, number>();
    const ids = new Map<string, Set<string>>();
    const fragments: { from: string; path: string; id: string }[] = [];
    const found: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift()!;
      const response = await fetch(new URL(path, origin), { redirect: 'manual' });
      statuses.set(path, response.status);
      const html = response.status === 200 && response.headers.get('content-type')?.startsWith('text/html');
      await response.arrayBuffer();
      if (!html) continue;
      problems.consoleErrors.length = problems.pageErrors.length = problems.failedRequests.length = 0;
      await visit(page, new URL(path, origin).href);
      const links = await page.evaluate(() => ({
        hrefs: [...document.querySelectorAll('a[href], link[href], img[src], script[src]')].map((el) => (el as HTMLAnchorElement).href || (el as HTMLImageElement).src),
        ids: [...document.querySelectorAll('[id]')].map((el) => el.id),
      }));
      found.push(...problems.consoleErrors, ...problems.pageErrors, ...problems.failedRequests);
      ids.set(path, new Set(links.ids));
      for (const href of links.hrefs) {
        const target = new URL(href);
        if (target.origin !== new URL(origin).origin) continue;
        if (target.hash.length > 1) fragments.push({ from: path, path: target.pathname, id: decodeURIComponent(target.hash.slice(1)) });
        if (!seen.has(target.pathname)) {
          seen.add(target.pathname);
          queue.push(target.pathname);
        }
      }
    }
    const brokenFragments = fragments.filter((f) => ids.has(f.path) && !ids.get(f.path)!.has(f.id)).map((f) => `${f.from} → ${f.path}#${f.id}`);
    return { statuses, brokenFragments, problems: found };
  } finally {
    await watched.close();
  }
}
