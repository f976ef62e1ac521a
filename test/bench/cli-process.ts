// Runs `cratewatch` as a user does (the executable itself, so its shebang's Node flags apply)
// with a preloaded probe that reports, as the process exits, its peak RSS and the bytes it
// moved over each outgoing connection (both directions, HTTP headers included), by the
// server's port, and its CPU time: what a command costs in memory, CPU and on the wire,
// measured from the client.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const SOURCE_CLI = resolve(import.meta.dirname, '../../functions/cli/cratewatch.ts');
/**
 * What the process benches run: the TypeScript source, or the executable CRATEWATCH_BENCH_CLI
 * names (`CRATEWATCH_BENCH_CLI=dist/cli/cratewatch.js node test/bench/scan-bench.ts` measures
 * the bundled CLI, whose launcher sets the source shebang's memory flag by re-executing).
 */
export const CLI = process.env.CRATEWATCH_BENCH_CLI ? resolve(process.env.CRATEWATCH_BENCH_CLI) : SOURCE_CLI;
/** Where `npm ci` put Node 24, which the CLI's `#!/usr/bin/env -S node …` finds first. */
const BIN = resolve(import.meta.dirname, '../../node_modules/.bin');
const MiB = 1024 * 1024;

// Every client socket (fetch too: undici connects through node:net) announces itself on the
// `net.client.socket` channel; its byte counters are read when it closes or the process exits.
const PROBE = `import dc from 'node:diagnostics_channel';
const bytes = {};
const live = new Map();
const count = (socket) => {
  const port = live.get(socket);
  if (port === undefined) return;
  live.delete(socket);
  bytes[port] = (bytes[port] ?? 0) + socket.bytesRead + socket.bytesWritten;
};
dc.subscribe('net.client.socket', ({ socket }) => {
  socket.once('connect', () => live.set(socket, socket.remotePort));
  socket.once('close', () => count(socket));
});
process.on('exit', () => {
  for (const socket of [...live.keys()]) count(socket);
  const usage = process.resourceUsage();
  process.stderr.write('\\ncratewatch-bench-probe=' + JSON.stringify({ maxRssKiB: usage.maxRSS, cpuMicros: usage.userCPUTime + usage.systemCPUTime, bytes }) + '\\n');
});
`;

export interface CliRun {
  ms: number;
  code: number;
  /** Peak resident set size of the process, MB (10^6 bytes). */
  peakRssMB: number;
  /** CPU time of the process, user and system: on a busy machine steadier than the wall time. */
  cpuMs: number;
  /** Bytes on each outgoing connection, summed by the server's port. */
  bytesByPort: Record<string, number>;
  stdout: string;
  stderr: string;
}

let probeFile: Promise<string> | undefined;

function probe(): Promise<string> {
  probeFile ??= mkdtemp(join(tmpdir(), 'cratewatch-bench-probe-')).then(async (dir) => {
    const file = join(dir, 'probe.mjs');
    await writeFile(file, PROBE);
    return file;
  });
  return probeFile;
}

/** Runs `cratewatch <args>` (`env` added to this process's); a non-zero exit is a result (findings exit 1), not an error. */
export async function runCli(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const env = { ...process.env, ...options.env, PATH: `${BIN}:${process.env.PATH ?? ''}`, NODE_OPTIONS: `--import=${await probe()}` };
  const start = performance.now();
  let stdout: string;
  let stderr: string;
  let code = 0;
  try {
    ({ stdout, stderr } = await promisify(execFile)(CLI, [...args], { env, maxBuffer: 256 * MiB, timeout: options.timeoutMs ?? 10 * 60_000 }));
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    if (typeof failed.code !== 'number') throw error;
    ({ stdout = '', stderr = '' } = failed);
    code = failed.code;
  }
  const ms = performance.now() - start;
  const marker = /\ncratewatch-bench-probe=(.*)\n/.exec(stderr);
  if (!marker) throw new Error(`cratewatch ${args[0]} (exit ${code}) did not print the bench probe's line: was the process killed?\n${stderr.slice(-2000)}`);
  const probed = JSON.parse(marker[1]!) as { maxRssKiB: number; cpuMicros: number; bytes: Record<string, number> };
  return { ms, code, peakRssMB: (probed.maxRssKiB * 1024) / 1e6, cpuMs: probed.cpuMicros / 1000, bytesByPort: probed.bytes, stdout, stderr: stderr.replace(marker[0], '\n') };
}

/** The port of a server URL, as the probe keys its bytes. */
export function portOf(url: string): string {
  return new URL(url).port;
}
