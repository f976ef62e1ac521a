// `cratewatch invoke` as a user runs it, reaching the REAL handlers: the CLI process calls
// the loopback Lambda endpoint through the AWS SDK, which runs scan-repo and scan in this
// process against loopback S3, SNS, GitHub, index and archive. One path, no stand-in logic.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../../functions/core/result.ts';
import { RESULTS_BUCKET, startCloudHarness, type CloudHarness } from '../helpers/cloud-harness.ts';
import { startLambdaServer, type LambdaServer } from '../helpers/lambda-server.ts';
import { runCli } from '../helpers/run-cli.ts';

let cloud: CloudHarness;
let lambda: LambdaServer;

beforeAll(async () => {
  cloud = await startCloudHarness();
  lambda = await startLambdaServer({
    'cratewatch-scan-repo': (event) => cloud.handlers.scanRepo(event),
    'cratewatch-scan': (event) => cloud.handlers.scan(event),
  });
}, 60_000);
afterAll(async () => {
  await lambda?.close();
  await cloud?.close();
});

function env(): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_PROFILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
  };
}

describe('cratewatch invoke against the real handlers', () => {
  it('scans two repositories through scan-repo, prints them like scan does and exits 1 for the failing one', async () => {
    const run = await runCli(['invoke', '--function', 'cratewatch-scan-repo', '--repo', 'app', '--repo', 'clean'], { env: env() });
    expect(run.stderr).not.toContain('    at ');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^app\s+failing\s/m);
    expect(run.stdout).toMatch(/^clean\s+clean\s/m);
    expect(lambda.invocations.map((i) => [i.functionName, JSON.stringify(i.payload)]).sort()).toEqual([
      ['cratewatch-scan-repo', '{"repo":"app"}'],
      ['cratewatch-scan-repo', '{"repo":"clean"}'],
    ]);
    const response = await cloud.s3.client().send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key: 'results/app/latest.json' }));
    const stored = JSON.parse(await response.Body!.transformToString()) as ScanResult;
    expect([stored.repository.name, stored.status]).toEqual(['app', 'failing']);
  }, 60_000);

  it('reports a repository the configuration does not know as the handler\'s error, on one line, exit 3', async () => {
    const run = await runCli(['invoke', '--function', 'cratewatch-scan-repo', '--repo', 'nope'], { env: env() });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no repository is named "nope"');
    expect(run.stderr).not.toContain('    at ');
  }, 60_000);

  it('runs the whole portfolio through the scan function with --wait and prints its summary', async () => {
    const run = await runCli(['invoke', '--function', 'cratewatch-scan', '--wait'], { env: env() });
    expect(run.stderr).not.toContain('    at ');
    // `secret` cannot be read: the run is incomplete.
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('3 repositories');
  }, 60_000);
});
