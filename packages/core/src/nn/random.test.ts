import { Generator, manualSeed, defaultGenerator } from './random';
import { InvalidArgumentError } from '../errors';

describe('Generator', () => {
  test('is repeatable per seed, and different across seeds', () => {
    const draw = (g: Generator) => Array.from({ length: 5 }, () => g.uniform());
    expect(draw(new Generator(1))).toEqual(draw(new Generator(1)));
    expect(draw(new Generator(1))).not.toEqual(draw(new Generator(2)));
  });

  test('state can be saved and restored to resume the same stream', () => {
    const g = new Generator(9);
    g.uniform();
    const state = g.getState();
    const next = [g.uniform(), g.normal(), g.nextSeed()];
    const h = new Generator(0);
    h.setState(state);
    expect([h.uniform(), h.normal(), h.nextSeed()]).toEqual(next);
    expect(() => h.setState([1, 2, 3])).toThrow(InvalidArgumentError);
  });

  test('uniform draws lie in [0, 1) with mean near 1/2; normal draws have mean 0 and variance 1', () => {
    const g = new Generator(3);
    const u = Array.from({ length: 20000 }, () => g.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(u.reduce((a, b) => a + b) / u.length - 0.5)).toBeLessThan(0.01);
    const n = Array.from({ length: 20000 }, () => g.normal());
    const mean = n.reduce((a, b) => a + b) / n.length;
    const variance = n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  test('manualSeed resets the default generator', () => {
    manualSeed(11);
    const a = defaultGenerator().uniform();
    manualSeed(11);
    expect(defaultGenerator().uniform()).toBe(a);
    expect(() => manualSeed(Number.NaN)).toThrow(InvalidArgumentError);
  });
});
