// Lambda: one repository (a Map item, or `cratewatch invoke --repo`). Returns the small
// outcome; throws when the result could not be stored, so Step Functions retries it.
import { filterRepositories } from '../app/config.ts';
import { scanRepository, type RepoOutcome } from '../app/scan-pipeline.ts';
import { parseRepoItem } from './events.ts';
import { failed, lambdaSources, loadRuntimeConfig, logEvent, logger, openStore } from './runtime.ts';

export async function handler(event: unknown): Promise<RepoOutcome> {
  let repoName: string | undefined;
  try {
    const item = parseRepoItem(event);
    repoName = item.repo;
    const config = await loadRuntimeConfig();
    const [repo] = filterRepositories(config, [item.repo]);
    const { store, cache, compiled } = openStore();
    // Inside a run the prepare step refreshed the archive and the index files just now.
    const inRun = item.startedAt !== null;
    const sources = lambdaSources(config, cache, inRun ? { freshAfter: item.startedAt!, preferCachedDb: true, compiled } : { compiled });
    const db = await sources.advisorySource.load();
    const now = new Date();
    const { outcome } = await scanRepository(repo!, {
      ...sources,
      alerts: config.alerts,
      advisoryDbMaxAgeDays: config.sources.advisoryDbMaxAgeDays,
      db,
      store,
      cache,
      now: () => new Date(),
      onEvent: logEvent,
      runId: item.runId ?? `direct-${now.toISOString()}`,
      startedAt: item.startedAt ?? now.toISOString(),
    });
    if (!outcome.stored) throw new Error(outcome.error ?? `the result of ${repo!.name} could not be stored`);
    logger.info('scan-repo done', { repo: outcome.repo, status: outcome.status, key: outcome.key });
    return outcome;
  } catch (error) {
    throw failed('scan-repo failed', error, { repo: repoName });
  }
}
