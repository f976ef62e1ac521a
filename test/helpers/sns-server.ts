// An SNS endpoint on loopback for tests: it speaks the AWS query protocol the SDK v3
// SNSClient uses for SNS (form-encoded POST, XML answers), checks Publish as SNS does
// (subject rules, the 256 KiB limit, attribute types), records what it accepted, and fails
// on demand with SNS's own XML errors.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { SNSClient } from '@aws-sdk/client-sns';
import { listenOnLoopback } from './listen.ts';

/** SNS's limit on one message: body, subject and attributes (names, types, values), in UTF-8 bytes. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

export const TEST_REGION = 'us-east-1';
export const TEST_TOPIC_ARN = `arn:aws:sns:${TEST_REGION}:123456789012:cratewatch-alerts`;

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** A message SNS accepted, decoded from the request. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
  attributes: Record<string, MessageAttribute>;
  /** Bytes as SNS counts them against its limit. */
  bytes: number;
}

export interface SnsRequest {
  action: string | null;
  /** Every form parameter as sent. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The HTTP status the server answered. */
  status: number;
}

export interface SnsServerOptions {
  /** Topics that exist; Publish to any other answers NotFound. Every topic exists when absent. */
  topics?: string[];
}

export interface SnsServer {
  /** The endpoint for `SNSClient`, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** Accepted messages, in order. */
  published: PublishedMessage[];
  /** Every request, accepted or not, in order. */
  requests: SnsRequest[];
  /**
   * The next `count` Publish requests (after letting `skip` through) fail: 500 InternalError,
   * or 429 Throttled for `'throttle'`. `failNext(1, 500, 1)` fails the second publish only.
   */
  failNext(count: number, status?: 500 | 'throttle', skip?: number): void;
  close(): Promise<void>;
}

interface SnsErrorAnswer {
  status: number;
  type: 'Sender' | 'Receiver';
  code: string;
  message: string;
}

/** Starts the server on 127.0.0.1, on a free port. */
export async function startSnsServer(options: SnsServerOptions = {}): Promise<SnsServer> {
  const published: PublishedMessage[] = [];
  const requests: SnsRequest[] = [];
  let failure = { count: 0, skip: 0, status: 500 as 500 | 'throttle' };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const record: SnsRequest = { action: params.Action ?? null, params, headers: req.headers, status: 0 };
      requests.push(record);
      const answer = (status: number, xml: string) => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(xml);
      };

      if (req.method !== 'POST' || params.Action !== 'Publish') {
        answer(400, errorXml({ status: 400, type: 'Sender', code: 'InvalidAction', message: `The action ${params.Action ?? '(none)'} is not valid for this endpoint.` }));
        return;
      }
      if (failure.skip > 0) failure.skip--;
      else if (failure.count > 0) {
        failure.count--;
        const error: SnsErrorAnswer =
          failure.status === 'throttle'
            ? { status: 429, type: 'Sender', code: 'Throttled', message: 'Rate exceeded' }
            : { status: 500, type: 'Receiver', code: 'InternalError', message: 'Internal Error' };
        answer(error.status, errorXml(error));
        return;
      }
      const result = checkPublish(params, options.topics);
      if ('status' in result) {
        answer(result.status, errorXml(result));
        return;
      }
      published.push(result);
      answer(200, publishXml(result.messageId));
    });
  });

  const origin = await listenOnLoopback(server);

  return {
    url: `${origin}/`,
    published,
    requests,
    failNext(count, status = 500, skip = 0) {
      failure = { count, skip, status };
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/**
 * An SNSClient for the server, with static credentials. `maxAttempts` is 1 unless given, so a
 * failure the server is told to give reaches the caller instead of the SDK's own retries.
 */
export function snsClientFor(server: Pick<SnsServer, 'url'>, options: { maxAttempts?: number } = {}): SNSClient {
  return new SNSClient({
    endpoint: server.url,
    region: TEST_REGION,
    credentials: { accessKeyId: 'AKIDLOOPBACKTEST', secretAccessKey: 'loopback-test-secret' },
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** The checks SNS makes on a Publish to a topic, or the message as accepted. */
function checkPublish(params: Record<string, string>, topics: readonly string[] | undefined): PublishedMessage | SnsErrorAnswer {
  const invalid = (message: string): SnsErrorAnswer => ({ status: 400, type: 'Sender', code: 'InvalidParameter', message });
  const topicArn = params.TopicArn;
  if (topicArn === undefined) return invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  if (topics !== undefined && !topics.includes(topicArn)) return { status: 404, type: 'Sender', code: 'NotFound', message: 'Topic does not exist' };
  const message = params.Message;
  if (message === undefined || message === '') return invalid('Invalid parameter: Empty message');
  const subject = params.Subject;
  // Email subjects: ASCII that starts with a letter, digit or punctuation, no line breaks or control characters, under 100 characters.
  if (subject !== undefined && !/^[!-~][ -~]{0,98}$/.test(subject)) return invalid('Invalid parameter: Subject');

  const attributes: Record<string, MessageAttribute> = {};
  for (let n = 1; params[`MessageAttributes.entry.${n}.Name`] !== undefined; n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params[`${prefix}.Name`]!;
    const dataType = params[`${prefix}.Value.DataType`];
    const stringValue = params[`${prefix}.Value.StringValue`];
    const binaryValue = params[`${prefix}.Value.BinaryValue`];
    if (dataType === undefined || (stringValue === undefined && binaryValue === undefined)) {
      return { status: 400, type: 'Sender', code: 'ParameterValueInvalid', message: `The message attribute '${name}' must contain non-empty message attribute value and type.` };
    }
    if (!/^(String|Number|Binary|String\.Array)(\..+)?$/.test(dataType)) {
      return { status: 400, type: 'Sender', code: 'ParameterValueInvalid', message: `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.` };
    }
    if (dataType === 'String.Array' && !isJsonArray(stringValue ?? '')) {
      return { status: 400, type: 'Sender', code: 'ParameterValueInvalid', message: `The message attribute '${name}' with type 'String.Array' must use field 'String' and contain a valid JSON array.` };
    }
    attributes[name] = { DataType: dataType, ...(stringValue === undefined ? {} : { StringValue: stringValue }), ...(binaryValue === undefined ? {} : { BinaryValue: binaryValue }) };
  }

  const bytes =
    Buffer.byteLength(message) +
    Buffer.byteLength(subject ?? '') +
    Object.entries(attributes).reduce((sum, [name, a]) => sum + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? ''), 0);
  if (bytes > SNS_MAX_MESSAGE_BYTES) return invalid('Invalid parameter: Message too long');
  return { messageId: randomUUID(), topicArn, subject, message, attributes, bytes };
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

function publishXml(messageId: string): string {
  return `<PublishResponse xmlns="${NAMESPACE}">\n  <PublishResult>\n    <MessageId>${messageId}</MessageId>\n  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n`;
}

function errorXml(error: SnsErrorAnswer): string {
  return `<ErrorResponse xmlns="${NAMESPACE}">\n  <Error>\n    <Type>${error.type}</Type>\n    <Code>${error.code}</Code>\n    <Message>${escapeXml(error.message)}</Message>\n  </Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
