import { TrainingOptionError } from './errors';
import {
  constantScheduleWithWarmup,
  cosineScheduleWithWarmup,
  linearScheduleWithWarmup,
  resolveSchedule,
} from './schedules';

/** Values worked out by hand from transformers' optimization.py lambdas. */
describe('learning-rate schedules (Hugging Face semantics)', () => {
  test('constant with warm-up', () => {
    const f = constantScheduleWithWarmup(4);
    expect([0, 1, 2, 3, 4, 5, 1000].map(f)).toEqual([0, 0.25, 0.5, 0.75, 1, 1, 1]);
    expect(constantScheduleWithWarmup(0)(0)).toBe(1);
  });

  test('linear decay after warm-up, floored at 0', () => {
    const f = linearScheduleWithWarmup(10, 110);
    expect(f(0)).toBe(0);
    expect(f(5)).toBe(0.5);
    expect(f(10)).toBe(1);
    expect(f(60)).toBe(0.5);
    expect(f(109)).toBeCloseTo(0.01, 12);
    expect(f(110)).toBe(0);
    expect(f(200)).toBe(0);
  });

  test('cosine decay after warm-up (half a cycle by default)', () => {
    const f = cosineScheduleWithWarmup(10, 110);
    expect(f(5)).toBe(0.5);
    expect(f(10)).toBe(1);
    expect(f(35)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(f(60)).toBeCloseTo(0.5, 12);
    expect(f(110)).toBeCloseTo(0, 12);
    // Two full cycles: back at the top half-way through.
    const waves = cosineScheduleWithWarmup(0, 100, 2);
    expect(waves(25)).toBeCloseTo(0, 12);
    expect(waves(50)).toBeCloseTo(1, 12);
  });

  test('resolveSchedule: names, warmupRatio rounded up, planned length as default total', () => {
    expect(resolveSchedule(undefined, undefined).multiplier(0)).toBe(1);
    const linear = resolveSchedule({ type: 'linear', warmupRatio: 0.1 }, 95);
    expect(linear.description).toEqual({ type: 'linear', warmupSteps: 10, totalSteps: 95 });
    expect(linear.multiplier(10)).toBe(1);
    const cosine = resolveSchedule('cosine', 20);
    expect(cosine.multiplier(10)).toBeCloseTo(0.5, 12);
    expect(resolveSchedule({ type: 'cosine', totalSteps: 40 }, 20).multiplier(20)).toBeCloseTo(0.5, 12);
    const custom = (step: number) => 1 / (1 + step);
    expect(resolveSchedule(custom, undefined).multiplier).toBe(custom);
  });

  test('typed errors say what is missing or wrong', () => {
    expect(() => resolveSchedule('linear', undefined)).toThrow(TrainingOptionError);
    expect(() => resolveSchedule('linear', undefined)).toThrow(/schedule.totalSteps: expected a total step count for a linear schedule/);
    expect(() => resolveSchedule({ type: 'constant', warmupSteps: -1 }, 10)).toThrow(/warmupSteps: expected an integer >= 0, found -1/);
    expect(() => resolveSchedule({ type: 'exp' as never }, 10)).toThrow(/schedule.type: expected one of 'constant', 'linear', 'cosine', found "exp"/);
    expect(() => resolveSchedule({ type: 'linear', warmupSteps: 1, warmupRatio: 0.1 }, 10)).toThrow(/not both/);
    expect(() => resolveSchedule({ type: 'linear', warmup: 3 } as never, 10)).toThrow(/unknown option 'warmup'/);
  });
});
