// A separate process for the ResultStore tests: writes one scan result of <repository> at
// <scannedAt> into the filesystem store at <root>, as a run that read latest.json at version
// <previous> ("-": there was none). Prints "ready", starts on a line from stdin (so several
// workers race), then prints the history key it wrote as JSON. The result's `errors` hold
// <tag>, so the test can tell the writers apart.
// Usage: node test/helpers/result-store-worker.ts <root> <repository> <scannedAt> <previous|-> <tag>
import { once } from 'node:events';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import { emptyCounts, SCHEMA_VERSION, type ScanResult } from '../../functions/core/result.ts';

const [root, repository, scannedAt, previous, tag] = process.argv.slice(2);
if (root === undefined || repository === undefined || scannedAt === undefined || previous === undefined || tag === undefined) {
  process.stderr.write('usage: node result-store-worker.ts <root> <repository> <scannedAt> <previous|-> <tag>\n');
  process.exit(2);
}

const result: ScanResult = {
  schemaVersion: SCHEMA_VERSION,
  tool: { name: 'cratewatch', version: '0.1.0' },
  repository: { name: repository, source: `github:owner/${repository}`, ref: 'main', commit: null },
  scannedAt,
  advisoryDb: { revision: 'abc123', location: 'fixture', fetchedAt: null, advisoryCount: 3, diagnostics: [] },
  carriedFrom: null,
  policy: { deny: [] },
  status: 'clean',
  errors: [tag],
  lockfiles: [],
  counts: emptyCounts(),
  diff: { previousScanAt: null, new: [], resolved: [] },
};
const store = new ResultStore(new FsObjectStore(root));
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();

const historyKey = await store.write(result, previous === '-' ? null : previous);
process.stdout.write(`${JSON.stringify({ historyKey })}\n`);
