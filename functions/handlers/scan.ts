// Lambda: the whole portfolio in one invocation (small portfolios, or the schedule's
// direct target): prepare, every repository with bounded concurrency, finish — the same
// units the state machine runs, composed in one process.
import { filterRepositories } from '../app/config.ts';
import { runScan } from '../app/scan-pipeline.ts';
import { parseScanRequest } from './events.ts';
import type { FinishOutput } from './finish.ts';
import { failed, lambdaSources, loadRuntimeConfig, logEvent, logger, openStore, scanSettings, snsAlerter } from './runtime.ts';

export async function handler(event: unknown): Promise<FinishOutput> {
  try {
    const request = parseScanRequest(event);
    const config = await loadRuntimeConfig();
    const { store, cache } = openStore();
    const outcome = await runScan(scanSettings(config, filterRepositories(config, request.repos)), {
      ...lambdaSources(config, cache),
      store,
      cache,
      now: () => new Date(),
      onEvent: logEvent,
      alerter: snsAlerter(config),
    });
    for (const problem of outcome.problems) logger.warn('scan problem', { problem });
    if (outcome.alertFailure) throw new Error(outcome.alertFailure);
    logger.info('scan finished', { status: outcome.status, repositories: outcome.summary.repositories.length, alertsDelivered: outcome.delivered.length });
    return { status: outcome.status, repositories: outcome.summary.repositories.length, alertsDelivered: outcome.delivered.length, alertFailure: null };
  } catch (error) {
    throw failed('scan failed', error);
  }
}
