import { describe, expect, it } from 'vitest';
import { describeExcluded, formatPercent, formatThreshold } from './measure.ts';

describe('formatPercent', () => {
  it.each([
    [0.875, '87.5%'],
    [19 / 20, '95.0%'],
    [0.57, '57.0%'],
    [0.9496, '94.9%'], // below a 95% threshold must not read as 95.0%
    [2 / 3, '66.6%'],
    [1, '100.0%'],
    [0, '0.0%'],
  ])('%d → %s', (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text);
  });
});

describe('formatThreshold', () => {
  it('shows thresholds as written', () => {
    expect(formatThreshold(0.95)).toBe('95%');
    expect(formatThreshold(0.975)).toBe('97.5%');
    expect(formatThreshold(1)).toBe('100%');
  });
});

describe('describeExcluded', () => {
  it('lists classes in a fixed order and is empty when nothing was excluded', () => {
    expect(describeExcluded(new Map([['disabled', 2], ['guest', 1]]))).toBe('excluded 3 accounts (1 guest, 2 disabled)');
    expect(describeExcluded(new Map([['service', 1]]))).toBe('excluded 1 account (1 service)');
    expect(describeExcluded(new Map())).toBe('');
  });
});
