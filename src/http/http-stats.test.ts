import { describe, expect, it } from 'vitest';
import { createHttpStats, statusClass } from './http-stats.ts';

describe('createHttpStats', () => {
  it('counts per family and snapshots as a plain, detached object', () => {
    const stats = createHttpStats();
    stats.recordRequest('graph-directory');
    stats.recordRequest('graph-directory');
    stats.recordResponse('graph-directory', 429);
    stats.recordThrottled('graph-directory');
    stats.recordRetry('graph-directory', 'throttled', 1000);
    stats.recordResponse('graph-directory', 200);
    stats.recordBytes('graph-directory', 512);
    stats.recordQueueWait('graph-directory', 30);
    stats.recordRequest('aws-iam');
    stats.recordNetworkError('aws-iam');
    stats.recordBytes('aws-iam', -5); // ignored, never corrupts totals

    const snap = stats.snapshot();
    expect(snap).toEqual({
      'graph-directory': {
        requests: 2,
        responses: { '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 0 },
        networkErrors: 0,
        retries: { throttled: 1 },
        throttled: 1,
        bytesReceived: 512,
        retryWaitMs: 1000,
        queueWaitMs: 30,
      },
      'aws-iam': {
        requests: 1,
        responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
        networkErrors: 1,
        retries: {},
        throttled: 0,
        bytesReceived: 0,
        retryWaitMs: 0,
        queueWaitMs: 0,
      },
    });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);

    stats.recordRetry('graph-directory', 'throttled', 1);
    stats.recordResponse('graph-directory', 503);
    expect(snap['graph-directory']!.retries.throttled).toBe(1);
    expect(snap['graph-directory']!.responses['5xx']).toBe(0);
  });

  it('classifies statuses', () => {
    expect(statusClass(204)).toBe('2xx');
    expect(statusClass(599)).toBe('5xx');
    expect(statusClass(0)).toBeUndefined();
  });
});
