// Reads cratewatch.toml for the stack at synth: the CLI's own loader and messages, plus the
// few rules that only the AWS deployment has (nothing local, no tokens in the uploaded file).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config, ConfigErrors, fieldLine, loadConfig } from '../functions/app/config.ts';
import { ConfigError } from '../functions/core/errors.ts';

export const DEFAULT_CONFIG_FILE = 'cratewatch.toml';
export const EXAMPLE_CONFIG_FILE = 'cratewatch.example.toml';

export interface StackConfig {
  config: Config;
  /** The file's text as it is uploaded to the results bucket. */
  text: string;
  /** The path it was read from, as given (relative to the working directory). */
  file: string;
  /** Things the person running synth should know (the example file stood in). */
  warnings: string[];
}

export interface ReadStackConfigOptions {
  /** The `config` context value; undefined when it was not given. */
  file?: string | undefined;
  /** Where relative paths start; the working directory by default. */
  cwd?: string;
}

/**
 * Problems that are fine for `cratewatch scan` on a workstation but cannot work on AWS, as
 * ConfigErrors in loadConfig's format (`file:line (field …): …`).
 */
function awsProblems(config: Config, text: string): ConfigError[] {
  const problems: ConfigError[] = [];
  const at = (field: string) => {
    const line = fieldLine(text, field);
    return line === undefined ? { file: config.file, field } : { file: config.file, line, field };
  };
  if (config.tokens.github !== null) {
    problems.push(new ConfigError('tokens are not uploaded to AWS; remove it and put it in the Secrets Manager secret (context tokenSecretName or createTokenSecret)', at('sources.github_token')));
  }
  if (config.tokens.gitlab !== null) {
    problems.push(new ConfigError('tokens are not uploaded to AWS; remove it and put it in the Secrets Manager secret (context tokenSecretName or createTokenSecret)', at('sources.gitlab_token')));
  }
  if (!/^https?:\/\//.test(config.sources.advisoryDb)) {
    problems.push(new ConfigError('expected an http(s) URL on AWS: the Lambda functions cannot read a path on this machine', at('sources.advisory_db')));
  }
  config.repositories.forEach((repo, i) => {
    if (repo.location.kind === 'path') {
      problems.push(new ConfigError('expected github, gitlab or url on AWS: the Lambda functions cannot read a folder on this machine', at(`repositories[${i}].path`)));
    }
  });
  return problems;
}

/**
 * Loads and validates the configuration the stack deploys. `cratewatch.toml` when no file is
 * named, or `cratewatch.example.toml` (with a warning) when that does not exist either.
 * Throws ConfigErrors with every problem, as the CLI reports them; environment tokens are
 * ignored, so only the file's own content decides.
 */
export function readStackConfig(options: ReadStackConfigOptions = {}): StackConfig {
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];
  let file = options.file ?? DEFAULT_CONFIG_FILE;
  if (options.file === undefined && !existsSync(resolve(cwd, file))) {
    warnings.push(`${DEFAULT_CONFIG_FILE} not found: deploying ${EXAMPLE_CONFIG_FILE}, which scans five public repositories; copy it to ${DEFAULT_CONFIG_FILE} and list your own`);
    file = EXAMPLE_CONFIG_FILE;
  }
  const path = resolve(cwd, file);
  if (!existsSync(path)) {
    throw new ConfigErrors([new ConfigError(`no such file; give the configuration with -c config=PATH (default ${DEFAULT_CONFIG_FILE})`, { file })]);
  }
  const text = readFileSync(path, 'utf8');
  const config = loadConfig(text, file, {});
  const problems = awsProblems(config, text);
  if (problems.length > 0) throw new ConfigErrors(problems);
  return { config, text, file, warnings };
}

