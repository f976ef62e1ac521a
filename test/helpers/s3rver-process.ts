// The child process behind test/helpers/s3-server.ts: s3rver on 127.0.0.1 and a free port,
// keeping its objects in the folder given as argument. Prints `{"port":N}` once it listens and
// exits, removing that folder, when its stdin ends: the parent closed it or died (even by SIGKILL).
// Run with `node --openssl-legacy-provider`: s3rver encrypts continuation tokens with DES.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

interface S3rverOptions {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

const directory = process.argv[2];
if (directory === undefined) {
  process.stderr.write('usage: node --openssl-legacy-provider s3rver-process.ts <data folder>\n');
  process.exit(2);
}

const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.stdin.on('end', () => {
  void server.close().finally(() => {
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
});
process.stdin.resume();
