import { describe, expect, it } from 'vitest';
import { EventError, parseFinishInput, parseRepoItem, parseScanRequest } from '../../../functions/handlers/events.ts';

describe('handler events', () => {
  it('reads a scheduled event or {} as "every repository", and a list of names as those', () => {
    expect(parseScanRequest({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).toEqual({ repos: [] });
    expect(parseScanRequest(undefined)).toEqual({ repos: [] });
    expect(parseScanRequest({ repos: ['a', 'b'] })).toEqual({ repos: ['a', 'b'] });
    expect(() => parseScanRequest({ repos: 'a' })).toThrow('scan request: field `repos` must be a list of repository names');
  });

  it('reads a Map item and refuses a bad start time', () => {
    expect(parseRepoItem({ repo: 'a', runId: 'r', startedAt: '2099-01-01T00:00:00.000Z' })).toEqual({ repo: 'a', runId: 'r', startedAt: '2099-01-01T00:00:00.000Z' });
    expect(parseRepoItem({ repo: 'a' })).toEqual({ repo: 'a', runId: null, startedAt: null });
    expect(() => parseRepoItem({ repo: 'a', startedAt: 'yesterday' })).toThrow(EventError);
    expect(() => parseRepoItem([])).toThrow('scan-repo input: expected a JSON object, got an array');
  });

  it('turns a Map item caught by Step Functions into an error outcome with the Lambda error on one line', () => {
    const cause = JSON.stringify({ errorType: 'StoreError', errorMessage: 'results/app/latest.json: InternalError', trace: ['StoreError: …', '    at S3ObjectStore.put (file:///var/task/index.mjs:1:2)'] });
    const { outcomes } = parseFinishInput({
      runId: 'run-1',
      outcomes: [
        { repo: 'app', status: 'error', error: `StoreError: ${cause}` },
        { repo: 'clean', status: 'clean', counts: null, key: 'results/clean/history/x.json', error: null, stored: true, newFindings: 0, resolvedFindings: 0 },
      ],
    });
    expect(outcomes.map((o) => [o.repo, o.status, o.stored, o.error])).toEqual([
      ['app', 'error', false, 'StoreError: results/app/latest.json: InternalError'],
      ['clean', 'clean', true, null],
    ]);
  });
});
