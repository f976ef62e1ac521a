// Lambda: the last scan step of a run. Rebuilds results/index.json from the stored latest
// results and delivers the due alerts through the ledger; throws when alerts could not be
// delivered, so it is retried (the ledger makes a retry send only what is still due).
import { finishScan } from '../app/scan-pipeline.ts';
import { parseFinishInput } from './events.ts';
import { failed, finishOutput, loadRuntimeConfig, logEvent, openStore, scanSettings, snsAlerter, type FinishOutput } from './runtime.ts';

export async function handler(event: unknown): Promise<FinishOutput> {
  try {
    const input = parseFinishInput(event);
    const config = await loadRuntimeConfig();
    const { store, cache } = openStore();
    return finishOutput(await finishScan(scanSettings(config), { store, cache, now: () => new Date(), onEvent: logEvent, runId: input.runId, alerter: snsAlerter(config) }, input.outcomes));
  } catch (error) {
    throw failed('finish failed', error);
  }
}
