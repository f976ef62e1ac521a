// The values that differ between deployments of the same cratewatch.toml (a stage): given as
// CDK context in cdk.json or with `-c key=value`, checked here with messages naming the key.
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { TokenSecretSource } from './cratewatch-stack.ts';

/** A context value that cannot be used; the message names the key and what it accepts. */
export class StageContextError extends Error {
  override name = 'StageContextError';
}

export interface StageContext {
  stackName: string;
  /** The `config` path, or undefined for the default (cratewatch.toml, else the example). */
  configFile: string | undefined;
  tokenSecret: TokenSecretSource;
  logRetention: RetentionDays;
  logLevel: string;
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
const RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);

function text(key: string, value: unknown, test: (s: string) => boolean, expected: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !test(value)) throw new StageContextError(`context ${key}: expected ${expected}, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Reads the stage's context (`get` is `app.node.tryGetContext`). `-c` values arrive as
 * strings, cdk.json values as JSON, so numbers and booleans are accepted in both forms.
 */
export function readStageContext(get: (key: string) => unknown): StageContext {
  const stackName = text('stackName', get('stackName'), (s) => /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(s), 'a CloudFormation stack name (letters, digits and "-", starting with a letter)') ?? 'Cratewatch';
  const configFile = text('config', get('config'), () => true, 'a path to cratewatch.toml');
  const secretName = text('tokenSecretName', get('tokenSecretName'), (s) => /^[A-Za-z0-9/_+=.@-]{1,512}$/.test(s), 'a Secrets Manager secret name');
  const create = get('createTokenSecret');
  if (create !== undefined && ![true, false, 'true', 'false'].includes(create as string | boolean)) {
    throw new StageContextError(`context createTokenSecret: expected true or false, got ${JSON.stringify(create)}`);
  }
  const createSecret = create === true || create === 'true';
  if (createSecret && secretName !== undefined) {
    throw new StageContextError('context createTokenSecret and tokenSecretName: expected one of them, not both (create a secret, or use the one named)');
  }
  const days = get('logRetentionDays');
  const retention = days === undefined ? RetentionDays.THREE_MONTHS : Number(days);
  if (!RETENTION_DAYS.includes(retention)) {
    throw new StageContextError(`context logRetentionDays: expected one of CloudWatch's retention periods (${RETENTION_DAYS.join(', ')}), got ${JSON.stringify(days)}`);
  }
  const logLevel = text('logLevel', get('logLevel'), (s) => LOG_LEVELS.includes(s), LOG_LEVELS.join(', ')) ?? 'INFO';
  return {
    stackName,
    configFile,
    tokenSecret: createSecret ? { kind: 'create' } : secretName !== undefined ? { kind: 'existing', name: secretName } : { kind: 'none' },
    logRetention: retention as RetentionDays,
    logLevel,
  };
}
