// Lambda: the report site from the results in the bucket: copied to /tmp, built with Astro
// into /tmp, then synced to the site bucket (changed files only, stale pages deleted).
import { join } from 'node:path';
import { AstroSiteBuilder } from '../adapters/astro-site-builder.ts';
import { S3SiteSync } from '../adapters/s3-site-sync.ts';
import { exportResults } from '../app/export-results.ts';
import { failed, loadRuntimeConfig, logger, openStore, requiredEnv, s3Client } from './runtime.ts';

/** The Astro project shipped beside this handler (the bundle's own folder: import.meta.dirname points into it). */
const SITE_DIR = process.env.CRATEWATCH_SITE_DIR ?? join(import.meta.dirname, 'site');

export async function handler(): Promise<{ uploaded: number; deleted: number; unchanged: number }> {
  try {
    const config = await loadRuntimeConfig();
    const { store } = openStore();
    const work = process.env.CRATEWATCH_WORK_DIR ?? '/tmp/cratewatch';
    const results = join(work, 'results');
    const copied = await exportResults(store.objects, results);
    logger.info('results copied', { objects: copied });
    const siteUrl = process.env.CRATEWATCH_SITE_URL ?? config.site.url;
    const out = join(work, 'site');
    await new AstroSiteBuilder({ siteDir: SITE_DIR, tempDir: work, ...(siteUrl ? { siteUrl } : {}) }).build(results, out);
    const synced = await new S3SiteSync({ client: s3Client(), bucket: requiredEnv('CRATEWATCH_SITE_BUCKET') }).sync(out);
    logger.info('site published', { uploaded: synced.uploaded.length, deleted: synced.deleted.length, unchanged: synced.unchanged });
    return { uploaded: synced.uploaded.length, deleted: synced.deleted.length, unchanged: synced.unchanged };
  } catch (error) {
    throw failed('build-report failed', error);
  }
}
