import { describe, expect, it } from 'vitest';
import { parseResult, RESULT_PREFIX, resultOf } from './result.ts';
import { resultTable } from './result-table.ts';

describe('bench result lines', () => {
  it('checks a ratio goal against ours / baseline', () => {
    const r = resultOf({
      measure: 'm',
      ours: 40,
      baseline: 100,
      unit: 'req/s',
      goal: { on: 'ratio', op: '>=', value: 0.5 },
    });
    expect(r).toEqual({
      measure: 'm',
      ours: 40,
      baseline: 100,
      unit: 'req/s',
      ratio: 0.4,
      goal: 'ratio ≥ 0.5',
      met: false,
    });
  });

  it('checks an absolute goal against ours, and has no ratio without a baseline', () => {
    const r = resultOf({ measure: 'p99', ours: 12, unit: 'ms', goal: { on: 'ours', op: '<', value: 25 } });
    expect(r).toMatchObject({ baseline: null, ratio: null, goal: '< 25 ms', met: true });
    expect(resultOf({ measure: 'x', ours: 1, unit: 'ms' })).toMatchObject({ goal: null, met: null });
  });

  it('round-trips through a line and into the table', () => {
    const r = resultOf({ measure: 'm', ours: 1234.5, baseline: 2469, unit: 'events/s' });
    const parsed = parseResult(`${RESULT_PREFIX}${JSON.stringify(r)}`);
    expect(parsed).toEqual(r);
    expect(parseResult('ratio: 0.5')).toBeUndefined();
    expect(resultTable([{ bench: 'b', result: r }])[2]).toBe(
      '| b | m | 1,235 events/s | 2,469 events/s | 0.50 | – | – |',
    );
  });
});
