// Lambda: the first step of a run. Refreshes the advisory archive and the index cache in
// the bucket once, and returns the Map items: one small `{ repo, runId, startedAt }` each.
import { filterRepositories } from '../app/config.ts';
import { prepareScan } from '../app/scan-pipeline.ts';
import { parseScanRequest } from './events.ts';
import { failed, lambdaSources, loadRuntimeConfig, logEvent, openStore, scanSettings } from './runtime.ts';

export async function handler(event: unknown): Promise<{ runId: string; startedAt: string; dbRevision: string; repositories: { repo: string; runId: string; startedAt: string }[] }> {
  try {
    const request = parseScanRequest(event);
    const config = await loadRuntimeConfig();
    const settings = scanSettings(config, filterRepositories(config, request.repos));
    const { store, cache, compiled } = openStore();
    const prepared = await prepareScan(settings, { ...lambdaSources(config, cache, { compiled }), store, cache, now: () => new Date(), onEvent: logEvent });
    return {
      runId: prepared.runId,
      startedAt: prepared.startedAt,
      dbRevision: prepared.db.revision,
      repositories: prepared.repositories.map((repo) => ({ repo, runId: prepared.runId, startedAt: prepared.startedAt })),
    };
  } catch (error) {
    throw failed('prepare failed', error);
  }
}
