// `cratewatch pin [DIR]`: the pinning findings of a local workspace and the pin plan as a
// unified diff (`cratewatch pin --diff-only | git apply`).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPins, type PinFile } from '../app/pin-workspace.ts';
import { LocatedError } from '../core/errors.ts';
import { SKIPPED_DIRS } from '../core/repo-paths.ts';
import type { CommandIo } from './audit.ts';
import { EXIT, UsageError } from './usage-error.ts';

export const PIN_HELP = `Usage: cratewatch pin [DIR] [options]

Checks how the workspace in DIR (default: .) pins its dependencies: requirements
without an upper bound, git dependencies without a rev, a crate required
differently by different members, members that do not inherit an entry of
[workspace.dependencies], entries no member uses, requirements older than what
Cargo.lock has. Prints each finding (file:line: message), then the pin plan as a
unified diff of the Cargo.toml files, relative to DIR.

Options:
  --diff-only   print only the diff: \`cratewatch pin --diff-only | git apply\`
                (its paths are relative to DIR: when DIR is not the top of the
                git repository, run \`git apply --directory=DIR\` from the top)
  --json        print the findings and the plan as JSON
  -h, --help    show this help

Exit codes: 0 nothing to pin, 1 findings, 2 a usage or input error.
`;

/** Every Cargo.toml under `dir`, outside build output and vendored copies, as `/` paths relative to it. */
function manifestsUnder(dir: string, rel = ''): PinFile[] {
  const found: PinFile[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) found.push(...manifestsUnder(dir, path));
    else if (entry.isFile() && entry.name === 'Cargo.toml') found.push({ path, text: readFileSync(join(dir, path), 'utf8') });
  }
  return found;
}

export async function runPin(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'diff-only': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(PIN_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`pin takes one folder, not ${positionals.length}: ${positionals.join(' ')}`);
  if (values['diff-only'] && values.json) throw new UsageError('--diff-only and --json cannot be used together: choose one');
  const dir = positionals[0] ?? '.';
  if (!existsSync(join(dir, 'Cargo.toml'))) throw new UsageError(`no Cargo.toml in ${dir}: give the folder of the workspace root`);
  const lockPath = join(dir, 'Cargo.lock');
  const lockfile = existsSync(lockPath) ? { path: 'Cargo.lock', text: readFileSync(lockPath, 'utf8') } : null;

  let check;
  try {
    check = checkPins('Cargo.toml', manifestsUnder(dir), lockfile);
  } catch (error) {
    if (error instanceof LocatedError) {
      io.stderr.write(`cratewatch: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const code = check.findings.length > 0 ? EXIT.findings : EXIT.ok;
  if (values['diff-only']) {
    io.stdout.write(check.plan.diff);
    return code;
  }
  if (values.json) {
    const { patches, ...plan } = check.plan;
    io.stdout.write(`${JSON.stringify({ ...check, plan: { ...plan, patches: patches.map(({ file, diff }) => ({ file, diff })) } }, null, 2)}\n`);
    return code;
  }
  const out: string[] = check.findings.map((f) => `${f.file}:${f.line}: ${f.message}`);
  out.push(check.findings.length === 0 ? 'nothing to pin' : `${check.findings.length} pinning finding${check.findings.length === 1 ? '' : 's'}`);
  for (const note of check.notChecked) out.push(`not checked: ${note}`);
  for (const s of check.plan.skipped) out.push(`left alone: ${s.file}:${s.line}: ${s.crate}: ${s.reason}`);
  if (check.plan.notPlanned !== null) out.push(`no pin plan: ${check.plan.notPlanned}`);
  io.stdout.write(`${out.join('\n')}\n`);
  if (check.plan.diff !== '') io.stdout.write(`\n${check.plan.diff}`);
  return code;
}
