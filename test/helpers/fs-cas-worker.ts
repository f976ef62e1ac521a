// A separate process for the FsObjectStore tests: adds 1 to the counter at <key> under <root>
// <count> times with compare-and-swap (read, put ifMatch, on refusal read again). Prints
// "ready", starts on a line from stdin (so several workers race), then prints its refusals.
// Usage: node test/helpers/fs-cas-worker.ts <root> <key> <count>
import { once } from 'node:events';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { PreconditionFailedError } from '../../functions/core/errors.ts';

const [root, key, countText] = process.argv.slice(2);
if (root === undefined || key === undefined || countText === undefined) {
  process.stderr.write('usage: node fs-cas-worker.ts <root> <key> <count>\n');
  process.exit(2);
}
const store = new FsObjectStore(root);
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();

let refused = 0;
for (let done = 0; done < Number(countText); ) {
  const current = await store.get(key);
  if (current === undefined) throw new Error(`${key} is missing under ${root}: create it first`);
  const next = Number(new TextDecoder().decode(current.body)) + 1;
  try {
    await store.put(key, String(next), { contentType: 'text/plain', condition: { ifMatch: current.etag } });
    done++;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    refused++;
  }
}
process.stdout.write(`${JSON.stringify({ refused })}\n`);
