// The child process of the cloud benchmark (test/bench/cloud-bench.ts): runs the Lambda
// handlers in-process, as one container would, against the loopback servers the parent's
// environment names. After each step it reports time and memory over IPC and waits for the
// parent's go-ahead, so the parent can charge the requests its servers saw to that step.
//   node cloud-worker.ts fan-out <map-concurrency>    prepare → every Map item → finish
//   node cloud-worker.ts scan-repo <repo> <startedAt>  one Map item
//   node cloud-worker.ts build-report
import pLimit from 'p-limit';

export interface StepMessage {
  step: string;
  ms: number;
  /** Resident set size at the end of the step. */
  rssMiB: number;
  /** The process's peak resident set size so far (it never goes down). */
  peakRssMiB: number;
  detail: unknown;
}

interface Outcome {
  repo: string;
  status: string;
  error: string | null;
}

const MiB = 1024 * 1024;

function nextGo(): Promise<void> {
  return new Promise((resolve) => process.once('message', () => resolve()));
}

async function step<T>(name: string, run: () => Promise<T>, detail: (value: T) => unknown = () => null): Promise<T> {
  const start = performance.now();
  const value = await run();
  const ms = performance.now() - start;
  const message: StepMessage = { step: name, ms, rssMiB: process.memoryUsage.rss() / MiB, peakRssMiB: process.resourceUsage().maxRSS / 1024, detail: detail(value) };
  const go = nextGo();
  process.send!(message);
  await go;
  return value;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function fanOut(concurrency: number): Promise<void> {
  const [prepare, scanRepo, finish] = await step('import', () =>
    Promise.all([import('../../functions/handlers/prepare.ts'), import('../../functions/handlers/scan-repo.ts'), import('../../functions/handlers/finish.ts')]),
  );
  const prepared = await step('prepare', () => prepare.handler({}), (p) => ({ repositories: p.repositories.length, dbRevision: p.dbRevision, startedAt: p.startedAt }));
  const itemMs: number[] = [];
  const limit = pLimit(concurrency);
  const outcomes = await step(
    'map',
    () =>
      Promise.all(
        prepared.repositories.map((item) =>
          limit(async (): Promise<Outcome> => {
            const start = performance.now();
            try {
              // Through JSON, as Step Functions passes states: only what serialises arrives.
              return JSON.parse(JSON.stringify(await scanRepo.handler(item))) as Outcome;
            } catch (error) {
              // The Map's Catch: the item becomes an error outcome and the run goes on.
              return { repo: item.repo, status: 'error', error: error instanceof Error ? error.message : String(error) };
            } finally {
              itemMs.push(performance.now() - start);
            }
          }),
        ),
      ),
    (list) => {
      const statuses: Record<string, number> = {};
      for (const o of list) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
      return { statuses, firstError: list.find((o) => o.status === 'error')?.error ?? null, itemMedianMs: median(itemMs), itemMaxMs: Math.max(...itemMs) };
    },
  );
  await step('finish', () => finish.handler({ runId: prepared.runId, startedAt: prepared.startedAt, outcomes }), (f) => f);
}

async function oneItem(repo: string, startedAt: string): Promise<void> {
  const scanRepo = await step('import', () => import('../../functions/handlers/scan-repo.ts'));
  await step('scan-repo', () => scanRepo.handler({ repo, runId: `bench-${startedAt}`, startedAt }), (o) => ({ status: o.status, error: o.error }));
}

async function buildReport(): Promise<void> {
  const handler = await step('import', () => import('../../functions/handlers/build-report.ts'));
  await step('build-report', () => handler.handler(), (r) => r);
}

const [mode, first, second] = process.argv.slice(2);
if (!process.send) throw new Error('cloud-worker: run it with an IPC channel (child_process.fork from test/bench/cloud-bench.ts)');
if (mode === 'fan-out') await fanOut(Number(first ?? 8));
else if (mode === 'scan-repo' && first && second) await oneItem(first, second);
else if (mode === 'build-report') await buildReport();
else throw new Error(`cloud-worker: unknown mode ${JSON.stringify(process.argv.slice(2))}; expected fan-out <n>, scan-repo <repo> <startedAt> or build-report`);
// The SDK clients keep sockets alive; the work is done.
process.exit(0);
