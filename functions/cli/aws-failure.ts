// Turns an AWS SDK failure into one line a person can act on and an exit code: 2 when the
// setup needs fixing (credentials, permissions, region, a name that does not exist),
// 3 when the call was right but the service or the function could not handle it now.
import { errorMessage } from '../core/errors.ts';

export interface AwsFailure {
  exitCode: 2 | 3;
  message: string;
}

const SETUP = 2;
const NOT_HANDLED = 3;

/** Error names (`x-amzn-ErrorType` / `__type` / query `Code`) that mean the credentials are not good. */
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'IncompleteSignature', 'MissingAuthenticationToken']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'AuthorizationError', 'KMSAccessDeniedException']);
const MISSING = new Set(['ResourceNotFoundException', 'StateMachineDoesNotExist', 'ExecutionDoesNotExist', 'InvalidArn', 'InvalidName']);
const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'ThrottledException', 'ExecutionLimitExceeded', 'ProvisionedThroughputExceededException']);

/** One line, however the service formatted its message. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Describes an error thrown while `doing` something ("invoking cratewatch-scan-repo").
 * Never includes a stack trace.
 */
export function describeAwsFailure(error: unknown, doing: string): AwsFailure {
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const detail = oneLine(errorMessage(error));
  const what = typeof name === 'string' && name !== 'Error' && !detail.startsWith(name) ? `${name}: ${detail}` : detail;
  const line = (text: string) => `${doing} failed: ${text}`;

  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return { exitCode: SETUP, message: line(`no AWS credentials found (${detail}); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run \`aws sso login\``) };
  }
  if (detail === 'Region is missing') {
    return { exitCode: SETUP, message: line('no AWS region; pass --region or set AWS_REGION') };
  }
  if (typeof name === 'string' && BAD_CREDENTIALS.has(name)) {
    return { exitCode: SETUP, message: line(`${what}; the AWS credentials are not valid for this account (expired session? wrong profile?)`) };
  }
  if (typeof name === 'string' && DENIED.has(name)) {
    return { exitCode: SETUP, message: line(`${what}; give your credentials the permission named above`) };
  }
  if (typeof name === 'string' && MISSING.has(name)) {
    return { exitCode: SETUP, message: line(`${what}; check the name (and --region), or deploy the stack first`) };
  }
  if (name === 'ValidationError' && /does not exist/i.test(detail)) {
    return { exitCode: SETUP, message: line(`${detail}; check the stack name and --region`) };
  }
  if ((typeof name === 'string' && THROTTLED.has(name)) || status === 429) {
    return { exitCode: NOT_HANDLED, message: line(`${what}; AWS is throttling (too many concurrent runs?): try again in a minute`) };
  }
  // 409: the function is being updated right now; other 4xx are a request this setup should not make.
  if (status !== undefined && status >= 400 && status < 500 && status !== 409) {
    return { exitCode: SETUP, message: line(what) };
  }
  return { exitCode: NOT_HANDLED, message: line(what) };
}
