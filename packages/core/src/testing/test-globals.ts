/**
 * The kit defines tests with the host runner's globals (jest, or vitest with
 * globals on). Typed here minimally, so consumers need no @types/jest.
 */
export interface Expectation {
  toBe(value: unknown): void;
  toEqual(value: unknown): void;
  toBeGreaterThan(value: number): void;
  toBeLessThanOrEqual(value: number): void;
  toThrow(error?: unknown): void;
  not: Expectation;
}

interface TestGlobals {
  describe(name: string, body: () => void): void;
  test(name: string, body: () => void | Promise<void>, timeout?: number): void;
  expect(value: unknown): Expectation;
}

export function testGlobals(): TestGlobals {
  const g = globalThis as unknown as Partial<TestGlobals>;
  if (typeof g.describe !== 'function' || typeof g.test !== 'function' || typeof g.expect !== 'function') {
    throw new Error('@peftjs/core/testing needs a test runner with describe/test/expect globals (jest, or vitest with globals: true)');
  }
  return g as TestGlobals;
}
