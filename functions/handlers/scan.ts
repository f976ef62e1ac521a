// Lambda: the whole portfolio in one invocation (small portfolios, or the schedule's
// direct target): prepare, every repository with bounded concurrency, finish — the same
// units the state machine runs, composed in one process.
import { filterRepositories } from '../app/config.ts';
import { runScan } from '../app/scan-pipeline.ts';
import { parseScanRequest } from './events.ts';
import { failed, finishOutput, lambdaSources, loadRuntimeConfig, logEvent, openStore, scanSettings, snsAlerter, type FinishOutput } from './runtime.ts';

export async function handler(event: unknown): Promise<FinishOutput> {
  try {
    const request = parseScanRequest(event);
    const config = await loadRuntimeConfig();
    const { store, cache, compiled } = openStore();
    const outcome = await runScan(scanSettings(config, filterRepositories(config, request.repos)), {
      ...lambdaSources(config, cache, { compiled }),
      store,
      cache,
      now: () => new Date(),
      onEvent: logEvent,
      alerter: snsAlerter(config),
    });
    return finishOutput(outcome);
  } catch (error) {
    throw failed('scan failed', error);
  }
}
