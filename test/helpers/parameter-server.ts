// A loopback stand-in for the two AWS services the handlers read settings from: SSM
// Parameter Store (GetParameter) and Secrets Manager (GetSecretValue), both speaking the AWS
// JSON 1.1 protocol (`X-Amz-Target`, JSON bodies), recording each request.
import { createServer } from 'node:http';
import { listenOnLoopback } from './listen.ts';

export interface ParameterServer {
  url: string;
  /** `X-Amz-Target` and the decoded body of every request. */
  requests: { target: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

function error(type: string, message: string): string {
  return JSON.stringify({ __type: type, message });
}

/** `parameters`: SSM name → value; `secrets`: secret id → SecretString. */
export async function startParameterServer(parameters: Record<string, string>, secrets: Record<string, string>): Promise<ParameterServer> {
  const requests: ParameterServer['requests'] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = (raw === '' ? {} : JSON.parse(raw)) as Record<string, unknown>;
      requests.push({ target, body });
      const reply = (status: number, text: string) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(text);
      if (target === 'AmazonSSM.GetParameter') {
        const name = String(body.Name);
        const value = parameters[name];
        if (value === undefined) return reply(400, error('ParameterNotFound', `Parameter ${name} not found.`));
        return reply(200, JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } }));
      }
      if (target === 'secretsmanager.GetSecretValue') {
        const id = String(body.SecretId);
        const value = secrets[id];
        if (value === undefined) return reply(400, error('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));
        return reply(200, JSON.stringify({ ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}`, Name: id, SecretString: value }));
      }
      reply(400, error('UnknownOperationException', `unknown operation ${target}`));
    });
  });
  const url = await listenOnLoopback(server);
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
