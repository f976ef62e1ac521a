// Lambda: the last scan step of a run. Rebuilds results/index.json from the stored latest
// results and delivers the due alerts through the ledger; throws when alerts could not be
// delivered, so it is retried (the ledger makes a retry send only what is still due).
import { finishScan, type RunStatus } from '../app/scan-pipeline.ts';
import { parseFinishInput } from './events.ts';
import { failed, loadRuntimeConfig, logEvent, logger, openStore, scanSettings, snsAlerter } from './runtime.ts';

export interface FinishOutput {
  status: RunStatus;
  repositories: number;
  alertsDelivered: number;
  alertFailure: string | null;
}

export async function handler(event: unknown): Promise<FinishOutput> {
  try {
    const input = parseFinishInput(event);
    const config = await loadRuntimeConfig();
    const { store, cache } = openStore();
    const finished = await finishScan(scanSettings(config), { store, cache, now: () => new Date(), onEvent: logEvent, runId: input.runId, alerter: snsAlerter(config) }, input.outcomes);
    for (const problem of finished.problems) logger.warn('finish problem', { problem });
    if (finished.alertFailure) throw new Error(finished.alertFailure);
    logger.info('scan finished', { status: finished.status, repositories: finished.summary.repositories.length, alertsDelivered: finished.delivered.length });
    return { status: finished.status, repositories: finished.summary.repositories.length, alertsDelivered: finished.delivered.length, alertFailure: null };
  } catch (error) {
    throw failed('finish failed', error);
  }
}
