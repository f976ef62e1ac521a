// AWS Step Functions on loopback, just enough for `cratewatch invoke`: StartExecution,
// DescribeExecution and GetExecutionHistory over the JSON 1.0 protocol
// (`X-Amz-Target: AWSStepFunctions.*`). An "execution" is an async function of the test's:
// it is RUNNING until the function settles, then SUCCEEDED with its result as output, or
// FAILED with the error and a Lambda-style cause (trace included, as a Task's cause is).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export interface ExecutionControl {
  /** Adds a history event, e.g. `emit('MapStateStarted', { mapStateStartedEventDetails: { length: 3 } })`. */
  emit(type: string, details?: Record<string, unknown>): void;
  /** Resolves once a DescribeExecution of this execution has been answered RUNNING. */
  describedRunning: Promise<void>;
}

export type ExecutionFunction = (input: unknown, control: ExecutionControl) => Promise<unknown>;

interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  startDate: Date;
  stopDate?: Date;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: string;
  error?: string;
  cause?: string;
  events: Record<string, unknown>[];
  onDescribedRunning: () => void;
}

export interface SfnRequest {
  /** The operation, e.g. `StartExecution`. */
  operation: string;
  body: Record<string, unknown>;
}

export interface SfnServer {
  /** For `AWS_ENDPOINT_URL_SFN`. */
  url: string;
  requests: SfnRequest[];
  /** The executions started, by ARN. */
  executions: Map<string, { input: unknown; status: string }>;
  close(): Promise<void>;
}

const JSON_10 = 'application/x-amz-json-1.0';

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': JSON_10, 'x-amzn-requestid': randomUUID() });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  send(response, status, { __type: `com.amazonaws.swf.service.v2.model#${type}`, message });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Epoch seconds with fractions: how the JSON protocols write timestamps. */
function epoch(date: Date): number {
  return date.getTime() / 1000;
}

/** `stateMachines`: state machine ARN → the function that plays one execution of it. */
export async function startSfnServer(stateMachines: Record<string, ExecutionFunction>): Promise<SfnServer> {
  const requests: SfnRequest[] = [];
  const records = new Map<string, ExecutionRecord>();

  const start = (stateMachineArn: string, input: string, name: string): ExecutionRecord => {
    let onDescribedRunning = () => {};
    const describedRunning = new Promise<void>((resolve) => (onDescribedRunning = resolve));
    const record: ExecutionRecord = {
      executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn,
      name,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      events: [],
      onDescribedRunning,
    };
    const emit = (type: string, details: Record<string, unknown> = {}) => {
      record.events.push({ timestamp: epoch(new Date()), type, id: record.events.length + 1, previousEventId: record.events.length, ...details });
    };
    emit('ExecutionStarted', { executionStartedEventDetails: { input, roleArn: 'arn:aws:iam::123456789012:role/states' } });
    void stateMachines[stateMachineArn]!(JSON.parse(input), { emit, describedRunning }).then(
      (output) => {
        record.output = JSON.stringify(output ?? null);
        record.status = 'SUCCEEDED';
        record.stopDate = new Date();
        emit('ExecutionSucceeded', { executionSucceededEventDetails: { output: record.output } });
      },
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        record.error = e.name;
        record.cause = JSON.stringify({ errorMessage: e.message, errorType: e.name, trace: (e.stack ?? '').split('\n') });
        record.status = 'FAILED';
        record.stopDate = new Date();
        emit('ExecutionFailed', { executionFailedEventDetails: { error: record.error, cause: record.cause } });
      },
    );
    return record;
  };

  const operations: Record<string, (body: Record<string, unknown>, response: ServerResponse) => void> = {
    StartExecution(body, response) {
      const arn = String(body.stateMachineArn ?? '');
      if (!stateMachines[arn]) {
        sendError(response, 400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        return;
      }
      const record = start(arn, typeof body.input === 'string' ? body.input : '{}', typeof body.name === 'string' ? body.name : randomUUID());
      records.set(record.executionArn, record);
      send(response, 200, { executionArn: record.executionArn, startDate: epoch(record.startDate) });
    },
    DescribeExecution(body, response) {
      const record = records.get(String(body.executionArn ?? ''));
      if (!record) {
        sendError(response, 400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
        return;
      }
      const { executionArn, stateMachineArn, name, status, input, output, error, cause, startDate, stopDate } = record;
      send(response, 200, { executionArn, stateMachineArn, name, status, input, output, error, cause, startDate: epoch(startDate), stopDate: stopDate && epoch(stopDate) });
      if (status === 'RUNNING') record.onDescribedRunning();
    },
    GetExecutionHistory(body, response) {
      const record = records.get(String(body.executionArn ?? ''));
      if (!record) {
        sendError(response, 400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
        return;
      }
      const size = typeof body.maxResults === 'number' && body.maxResults > 0 ? body.maxResults : 100;
      const from = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
      const events = record.events.slice(from, from + size);
      send(response, 200, { events, ...(from + size < record.events.length ? { nextToken: String(from + size) } : {}) });
    },
  };

  const server = createServer((request, response) => {
    void (async () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
      const text = await readBody(request);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text === '' ? '{}' : text) as Record<string, unknown>;
      } catch {
        sendError(response, 400, 'SerializationException', 'the body is not JSON');
        return;
      }
      requests.push({ operation, body });
      const handle = operations[operation];
      if (!handle) sendError(response, 400, 'UnknownOperationException', `${target} is not an operation of this Step Functions stand-in`);
      else handle(body, response);
    })();
  });
  const origin = await listenOnLoopback(server);
  return {
    url: `${origin}`,
    requests,
    get executions() {
      return new Map([...records].map(([arn, r]) => [arn, { input: JSON.parse(r.input) as unknown, status: r.status }]));
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
