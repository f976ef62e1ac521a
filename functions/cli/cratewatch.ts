#!/usr/bin/env -S node --max-semi-space-size=16
// The flag: on a large machine Node sizes V8's young generation by the machine's memory, and
// a scan of many repositories then peaks near 300 MB; capped at 16 MB it peaks near 200 MB
// at the same speed (see test/bench/scan-bench.ts).
// The `cratewatch` command: picks the subcommand and turns errors into exit codes.
import { TOOL_VERSION } from '../app/version.ts';
import { errorMessage } from '../core/errors.ts';
import type { CommandIo } from './audit.ts';
import { closestWord, optionsInHelp } from './suggest.ts';
import { EXIT, UsageError } from './usage-error.ts';

const HELP = `Usage: cratewatch <command> [options]

Commands:
  scan               scan every repository of cratewatch.toml (results in .cratewatch/)
  report             rebuild the report site from the results (--serve to look at it)
  audit [LOCKFILE]   audit a Cargo.lock against the RustSec advisory database (as cargo audit)
  pin [DIR]          check how a Cargo workspace pins its dependencies; print the pin plan as a diff
  invoke             run the scan deployed on AWS (all repositories, or --repo NAME)

Run "cratewatch <command> --help" or "cratewatch help <command>" for a command's options.
`;

const COMMANDS = ['scan', 'report', 'audit', 'pin', 'invoke', 'help'] as const;

/** A command's help text, its module loaded only when asked. */
async function helpOf(command: string): Promise<string | undefined> {
  switch (command) {
    case 'audit': return (await import('./audit.ts')).AUDIT_HELP;
    case 'scan': return (await import('./scan.ts')).SCAN_HELP;
    case 'report': return (await import('./report.ts')).REPORT_HELP;
    case 'pin': return (await import('./pin.ts')).PIN_HELP;
    case 'invoke': return (await import('./invoke.ts')).INVOKE_HELP;
    default: return undefined;
  }
}

/**
 * parseArgs's own messages, said as the rest of cratewatch says things: the option, the
 * command, and the option that was probably meant.
 */
async function describeParseError(command: string, error: Error & { code: string }): Promise<string> {
  const quoted = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const where = `cratewatch ${command}`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = quoted.split('=')[0]!;
    const known = optionsInHelp((await helpOf(command)) ?? '');
    const guess = closestWord(option, known.filter((o) => o.startsWith('--') === option.startsWith('--')));
    return `${where}: unknown option ${option}${guess ? ` (did you mean ${guess}?)` : ''}; see "${where} --help"`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // parseArgs names it as declared: '-d, --db <value>'.
    const option = /--[a-z][a-z0-9-]*/.exec(quoted)?.[0] ?? quoted.split(' ')[0]!;
    return /argument missing/.test(error.message) ? `${where}: ${option} needs a value` : `${where}: ${option} takes no value`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `${where}: unexpected argument "${quoted}"; see "${where} --help"`;
  return `${where}: ${error.message}`;
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'audit' || command === 'scan' || command === 'invoke') {
      // HTTPS_PROXY, HTTP_PROXY and NO_PROXY, for every request the command makes.
      const proxy = (await import('./env-proxy.ts')).useEnvProxy(io.env);
      if (proxy.warning) io.stderr.write(`warning: ${proxy.warning}\n`);
    }
    switch (command) {
      case 'audit':
        // Every command loads on demand: `--version` and `help` start with nothing but this file.
        return await (await import('./audit.ts')).runAudit(rest, io);
      case 'report':
        return await (await import('./report.ts')).runReport(rest, io);
      case 'pin':
        return await (await import('./pin.ts')).runPin(rest, io);
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
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic === undefined) {
          io.stdout.write(HELP);
          return EXIT.ok;
        }
        const help = await helpOf(topic);
        if (help === undefined) throw new UsageError(`no help on "${topic}": the commands are ${COMMANDS.filter((c) => c !== 'help').join(', ')}`);
        io.stdout.write(help);
        return EXIT.ok;
      }
      case undefined:
        // Nothing to do is a usage error, as with git and cargo: a script that forgot its command must not pass.
        io.stderr.write(HELP);
        return EXIT.usage;
      default: {
        const guess = command.startsWith('-') ? undefined : closestWord(command, COMMANDS);
        throw new UsageError(`unknown command "${command}"${guess ? ` (did you mean "${guess}"?)` : ''}\n\n${HELP}`);
      }
    }
  } catch (error) {
    // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS') && command !== undefined) {
      io.stderr.write(`${await describeParseError(command, error as Error & { code: string })}\n`);
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`cratewatch: ${error.message}\n`);
      return EXIT.usage;
    }
    // Anything else is a fault, not a verdict: never let it look like exit 1 ("findings").
    io.stderr.write(`cratewatch: internal error: ${errorMessage(error)}\n`);
    if (io.env.CRATEWATCH_DEBUG) io.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return EXIT.usage;
  }
}

if (import.meta.main) {
  // `cratewatch pin | head` or a pager quit early: the reader is gone, which is no error to report.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: () => new Date(),
  });
}
