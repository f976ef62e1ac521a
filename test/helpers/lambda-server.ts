// AWS Lambda's Invoke API on loopback (`POST /2015-03-31/functions/{name}/invocations`),
// running the functions in this process from a map of handlers, so a test drives
// CLI → SDK → HTTP → handler → store as one path. Answers as Lambda does: the handler's
// JSON with 200; `X-Amz-Function-Error: Unhandled` and the runtime's error document when the
// handler throws; 202 for `InvocationType: Event` (the handler then runs in the background);
// service errors (throttling, access denied) on demand; 404 for an unknown function.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.ts';

/** What a handler gets as its second argument: the few Lambda context fields handlers use. */
export interface FakeLambdaContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type LambdaFunctions = Record<string, (event: unknown, context: FakeLambdaContext) => Promise<unknown>>;

/** A service error: the HTTP status, the error type (`x-amzn-ErrorType`) and its message. */
export interface ServiceFault {
  status: number;
  type: string;
  message: string;
}

/** Lambda's answer when the function's (or the account's) concurrency is used up. */
export const THROTTLED: ServiceFault = { status: 429, type: 'TooManyRequestsException', message: 'Rate Exceeded.' };

export function accessDenied(functionName: string): ServiceFault {
  return {
    status: 403,
    type: 'AccessDeniedException',
    message: `User: arn:aws:iam::123456789012:user/tester is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:${functionName} because no identity-based policy allows the lambda:InvokeFunction action`,
  };
}

export interface LambdaInvocation {
  functionName: string;
  /** The service error type it was answered with instead of running the function, if any. */
  fault: string | null;
  /** `RequestResponse`, `Event` or `DryRun`, as the client sent it. */
  invocationType: string;
  payload: unknown;
  /** The SigV4 `Authorization` header, to check the request was signed. */
  authorization: string;
}

export interface LambdaServer {
  /** The endpoint, e.g. `http://127.0.0.1:40123`, for `AWS_ENDPOINT_URL_LAMBDA`. */
  url: string;
  /** Every invocation of a known function, those answered with a fault included. */
  invocations: LambdaInvocation[];
  /** Answers the next `times` invocations of `functionName` (default 1) with the fault instead of running it. */
  failNext(functionName: string, fault: ServiceFault, times?: number): void;
  /** Resolves once every `Event` invocation started so far has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** `my-fn`, `my-fn:live`, `123456789012:function:my-fn` or a full ARN → `my-fn`. */
function functionNameOf(raw: string): string {
  const name = decodeURIComponent(raw);
  const arn = /(?:^|:)function:([^:]+)/.exec(name);
  return arn ? arn[1]! : name.split(':')[0]!;
}

function sendFault(response: ServerResponse, fault: ServiceFault): void {
  response.writeHead(fault.status, { 'content-type': 'application/json', 'x-amzn-errortype': fault.type, 'x-amzn-requestid': randomUUID() });
  response.end(JSON.stringify({ Type: 'User', message: fault.message }));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The document the Node.js runtime returns for an uncaught error, trace included. */
function runtimeError(error: unknown): unknown {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') };
}

export async function startLambdaServer(functions: LambdaFunctions): Promise<LambdaServer> {
  const invocations: LambdaInvocation[] = [];
  const faults = new Map<string, { fault: ServiceFault; times: number }>();
  const background = new Set<Promise<unknown>>();

  const server = createServer((request, response) => {
    void (async () => {
      const match = INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      if (request.method !== 'POST' || !match) {
        sendFault(response, { status: 404, type: 'UnknownOperationException', message: `${request.method} ${request.url} is not an operation of this Lambda stand-in` });
        return;
      }
      const functionName = functionNameOf(match[1]!);
      const body = await readBody(request);
      const handler = functions[functionName];
      if (!handler) {
        sendFault(response, { status: 404, type: 'ResourceNotFoundException', message: `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${functionName}` });
        return;
      }
      let payload: unknown;
      try {
        payload = body === '' ? {} : JSON.parse(body);
      } catch {
        sendFault(response, { status: 400, type: 'InvalidRequestContentException', message: 'Could not parse request body into json' });
        return;
      }
      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      const pending = faults.get(functionName);
      invocations.push({ functionName, fault: pending?.fault.type ?? null, invocationType, payload, authorization: String(request.headers.authorization ?? '') });
      if (pending) {
        if (--pending.times <= 0) faults.delete(functionName);
        sendFault(response, pending.fault);
        return;
      }
      const context: FakeLambdaContext = { functionName, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 900_000 };
      if (invocationType === 'DryRun') {
        response.writeHead(204).end();
        return;
      }
      if (invocationType === 'Event') {
        const run = handler(structuredClone(payload), context).catch(() => undefined);
        background.add(run);
        void run.finally(() => background.delete(run));
        response.writeHead(202, { 'x-amzn-requestid': context.awsRequestId }).end();
        return;
      }
      let result: unknown;
      try {
        result = await handler(structuredClone(payload), context);
      } catch (error) {
        response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': context.awsRequestId });
        response.end(JSON.stringify(runtimeError(error)));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'x-amzn-requestid': context.awsRequestId });
      response.end(JSON.stringify(result ?? null));
    })().catch((error: unknown) => {
      if (!response.headersSent) sendFault(response, { status: 500, type: 'ServiceException', message: String(error) });
    });
  });
  const origin = await listenOnLoopback(server);
  return {
    url: `${origin}`,
    invocations,
    failNext(functionName, fault, times = 1) {
      faults.set(functionName, { fault, times });
    },
    async idle() {
      while (background.size > 0) await Promise.all(background);
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
