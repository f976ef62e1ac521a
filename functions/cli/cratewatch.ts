#!/usr/bin/env -S node --max-semi-space-size=16
// The flag: on a large machine Node sizes V8's young generation by the machine's memory, and
// a scan of many repositories then peaks near 300 MB; capped at 16 MB it peaks near 200 MB
// at the same speed (see test/bench/scan-bench.ts).
// The `cratewatch` command: picks the subcommand and turns errors into exit codes.
import { TOOL_VERSION } from '../app/version.ts';
import { errorMessage } from '../core/errors.ts';
import { AUDIT_HELP, runAudit, type CommandIo } from './audit.ts';
import { EXIT, UsageError } from './usage-error.ts';

const HELP = `Usage: cratewatch <command> [options]

Commands:
  scan               scan every repository of cratewatch.toml (results in .cratewatch/)
  report             rebuild the report site from the results (--serve to look at it)
  audit [LOCKFILE]   audit a Cargo.lock against the RustSec advisory database
  invoke             run the scan deployed on AWS (all repositories, or --repo NAME)

Run "cratewatch <command> --help" for a command's options.
`;

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'audit':
        return await runAudit(rest, io);
      case 'report':
        return await (await import('./report.ts')).runReport(rest, io);
      case 'invoke':
        // Loaded on demand, like scan: the AWS SDK clients stay out of the other commands.
        return await (await import('./invoke.ts')).runInvoke(rest, io);
      case 'scan':
        // Loaded on demand: `audit` stays quick to start without the scan's adapters.
        return await (await import('./scan.ts')).runScanCommand(rest, io);
      case '--version':
      case '-V':
        io.stdout.write(`cratewatch ${TOOL_VERSION}\n`);
        return EXIT.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(command === 'help' && rest[0] === 'audit' ? AUDIT_HELP : command === 'help' && rest[0] === 'scan' ? (await import('./scan.ts')).SCAN_HELP : command === 'help' && rest[0] === 'invoke' ? (await import('./invoke.ts')).INVOKE_HELP : HELP);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (error) {
    // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: string }).code ?? '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`cratewatch: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    // Anything else is a fault, not a verdict: never let it look like exit 1 ("findings").
    io.stderr.write(`cratewatch: internal error: ${errorMessage(error)}\n`);
    if (io.env.CRATEWATCH_DEBUG) io.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return EXIT.usage;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
  });
}
