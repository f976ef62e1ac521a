// AWS CloudFormation's DescribeStacks on loopback, in the query protocol (form body in,
// XML out), with the stacks' outputs from the test; an unknown stack gets the
// `ValidationError` "Stack with id … does not exist" that CloudFormation answers.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.ts';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface CloudFormationServer {
  /** For `AWS_ENDPOINT_URL_CLOUDFORMATION`. */
  url: string;
  /** The form fields of every request, e.g. `{ Action: 'DescribeStacks', StackName: 'x', Version: '…' }`. */
  requests: Record<string, string>[];
  close(): Promise<void>;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendXml(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

function sendError(response: ServerResponse, code: string, message: string): void {
  sendXml(response, 400, `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `stacks`: stack name → its outputs (OutputKey → OutputValue). */
export async function startCloudFormationServer(stacks: Record<string, Record<string, string>>): Promise<CloudFormationServer> {
  const requests: Record<string, string>[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
      requests.push(form);
      if (form.Action !== 'DescribeStacks') {
        sendError(response, 'InvalidAction', `${form.Action} is not an action of this CloudFormation stand-in`);
        return;
      }
      const name = form.StackName ?? '';
      const outputs = stacks[name];
      if (!outputs) {
        sendError(response, 'ValidationError', `Stack with id ${name} does not exist`);
        return;
      }
      const members = Object.entries(outputs)
        .map(([key, value]) => `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`)
        .join('');
      const stackId = `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/${randomUUID()}`;
      sendXml(
        response,
        200,
        `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member><StackId>${escapeXml(stackId)}</StackId><StackName>${escapeXml(name)}</StackName><CreationTime>2025-06-01T12:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    })();
  });
  const origin = await listenOnLoopback(server);
  return {
    url: `${origin}`,
    requests,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
