import { beforeAll, describe, expect, it } from 'vitest';
import { ConsoleAlerter } from '../../../functions/adapters/console-alerter.ts';
import { composeAlertMessages } from '../../../functions/core/alert-message.ts';
import type { Alert } from '../../../functions/core/ports.ts';
import type { Finding } from '../../../functions/core/result.ts';
import { fixtureFindings, listedAlerts } from '../../helpers/alert-fixtures.ts';

let findings: Map<string, Finding>;
const alert = (repository: string, crate: string): Alert => ({ repository, lockfile: 'Cargo.lock', finding: findings.get(crate)! });

/** Everything the alerter writes for `alerts`. */
async function printed(alerts: readonly Alert[], options: { color?: boolean; siteUrl?: string | null } = {}): Promise<string> {
  const out: string[] = [];
  await new ConsoleAlerter({ write: (text) => out.push(text), color: options.color ?? false, ...(options.siteUrl === undefined ? {} : { siteUrl: options.siteUrl }) }).send(alerts);
  return out.join('');
}

beforeAll(async () => {
  findings = await fixtureFindings();
});

describe('ConsoleAlerter', () => {
  it('prints a heading and each finding, most severe first, with its fix and one dependency path, without links when no site is configured', async () => {
    expect(await printed([alert('app', 'h2'), alert('app', 'hyper')])).toBe(
      [
        'ALERT: 2 new findings at or above the threshold',
        '  1. [critical (CVSS 9.8)] app Cargo.lock: hyper 0.14.27 RUSTSEC-2099-0001',
        '     Out-of-bounds write in `hyper` client when reading chunked responses',
        '     fix: cargo update -p hyper@0.14.27 --precise 0.14.28',
        '     pulled in by: my-app → reqwest → hyper',
        '     advisory: https://github.com/hyperium/hyper/security/advisories/GHSA-9x9x-7q2v-4m3p',
        '  2. [high (CVSS 7.5)] app Cargo.lock: h2 0.3.20 RUSTSEC-2099-0002',
        '     Resource exhaustion from a flood of `RST_STREAM` frames',
        '     fix: cargo update -p h2@0.3.20 --precise 0.3.26',
        '     pulled in by: my-app → reqwest → hyper → h2',
        '     advisory: https://github.com/hyperium/h2/pull/99002',
        '',
      ].join('\n'),
    );
  });

  it('lists alerts given in any order most severe first, then by repository and crate', async () => {
    const shuffled = [
      alert('web', 'reqwest'),
      alert('api', 'smallvec'),
      alert('web', 'hyper'),
      alert('api', 'time'),
      alert('web', 'base64'),
      alert('api', 'hyper'),
      alert('web', 'h2'),
      alert('api', 'reqwest'),
      alert('web', 'tokio'),
    ];
    const text = await printed(shuffled);
    expect(listedAlerts(text.replace(/^ {2}/gm, ''))).toEqual([
      'api Cargo.lock hyper 0.14.27 RUSTSEC-2099-0001',
      'web Cargo.lock hyper 0.14.27 RUSTSEC-2099-0001',
      'web Cargo.lock h2 0.3.20 RUSTSEC-2099-0002',
      'web Cargo.lock tokio 1.38.0 RUSTSEC-2099-0003',
      'api Cargo.lock reqwest 0.11.27 RUSTSEC-2099-0019',
      'api Cargo.lock time 0.1.45 RUSTSEC-2099-0005',
      'web Cargo.lock reqwest 0.11.27 RUSTSEC-2099-0019',
      'api Cargo.lock smallvec 0.6.13 RUSTSEC-2099-0004',
      'web Cargo.lock base64 0.21.7 RUSTSEC-2099-0007',
    ]);
  });

  it('links each finding on the report site when siteUrl is set', async () => {
    const text = await printed([alert('app', 'time')], { siteUrl: 'https://deps.example.com' });
    expect(text).toContain('\n     fix: Upgrade time to 0.2.0 (not later: 0.2.7 and up are affected again until a later fix): not semver-compatible');
    expect(text.endsWith('\n     report: https://deps.example.com/repos/app/#f-Cargo.lock-RUSTSEC-2099-0005-time-0.1.45\n')).toBe(true);
  });

  it('prints each finding exactly as the SNS message body lists it', async () => {
    const alerts = [alert('web', 'bytes'), alert('api', 'hyper'), alert('web', 'smallvec')];
    const siteUrl = 'https://deps.example.com';
    const entries = (await printed(alerts, { siteUrl })).split('\n').slice(1, -1).map((line) => line.slice(2));
    const [message] = composeAlertMessages(alerts, { siteUrl });
    const body = message!.body.split('\n');
    const listed = body.slice(2, body.length - 2).filter((line) => line !== '');
    expect(entries).toEqual(listed);
  });

  it('paints only the heading, bold red, when color is true', async () => {
    const text = await printed([alert('app', 'hyper')], { color: true });
    expect(text.startsWith('\u001b[1;31mALERT: 1 new finding at or above the threshold\u001b[0m\n  1. [critical (CVSS 9.8)]')).toBe(true);
    expect(text.split('\u001b[')).toHaveLength(3);
  });

  it('writes nothing for no alerts', async () => {
    const out: string[] = [];
    await new ConsoleAlerter({ write: (text) => out.push(text), color: false }).send([]);
    expect(out).toEqual([]);
  });
});
