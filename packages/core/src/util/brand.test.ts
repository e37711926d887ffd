/**
 * Brands within one process: two classes branded alike stand for two loaded
 * copies of one class (core/test/two-copies.test.ts checks real ESM and CJS builds).
 */
import { InvalidArgumentError, NotFoundError, PeftError, ShapeMismatchError } from '../errors';
import { Linear } from '../nn/layers/linear';
import { Module } from '../nn/module';
import { onBackend } from '../../test/helpers';
import { brandClass, brandErrorClass } from './brand';

beforeAll(() => onBackend('cpu'));

class LayerCopyA {
  static {
    brandClass(this, 'test', 'Layer');
  }
}
class LayerCopyB {
  static {
    brandClass(this, 'test', 'Layer');
  }
}
class OtherLayer {
  static {
    brandClass(this, 'test', 'OtherLayer');
  }
}
class SubOfA extends LayerCopyA {}
class BrandedSubOfA extends LayerCopyA {
  static {
    brandClass(this, 'test', 'BrandedSub');
  }
}

describe('brandClass', () => {
  test('an instance of one copy is an instance of the other, and so are instances of its subclasses', () => {
    expect([new LayerCopyA() instanceof LayerCopyB, new LayerCopyB() instanceof LayerCopyA]).toEqual([true, true]);
    expect([new SubOfA() instanceof LayerCopyB, new BrandedSubOfA() instanceof LayerCopyB]).toEqual([true, true]);
  });

  test('other brands, plain objects and primitives are not instances', () => {
    const values: unknown[] = [new OtherLayer(), {}, Object.create(null), null, undefined, 3, 'Layer', Symbol.for('peftjs.test.Layer')];
    expect(values.map((v) => v instanceof LayerCopyA)).toEqual(values.map(() => false));
  });

  test('a subclass without a brand of its own answers as plain instanceof', () => {
    expect([new SubOfA() instanceof SubOfA, new LayerCopyA() instanceof SubOfA, new LayerCopyB() instanceof SubOfA]).toEqual([true, false, false]);
    expect([new BrandedSubOfA() instanceof SubOfA, new SubOfA() instanceof BrandedSubOfA]).toEqual([false, false]);
  });

  test("a user's subclass of a core layer keeps plain instanceof, and its instances are still core Linears", () => {
    class MyLinear extends Linear {}
    const mine = new MyLinear(2, 2);
    const plain = new Linear(2, 2);
    expect([mine instanceof MyLinear, plain instanceof MyLinear, mine instanceof Linear, mine instanceof Module]).toEqual([true, false, true, true]);
    mine.dispose();
    plain.dispose();
  });

  test('the brand marks are not enumerable: they do not show in keys or JSON', () => {
    const layer = new Linear(1, 1);
    expect(Object.keys(Linear.prototype)).toEqual([]);
    expect(Object.getOwnPropertySymbols(layer)).toEqual([]);
    expect(JSON.stringify(new NotFoundError('x'))).not.toContain('peftjs');
    layer.dispose();
  });
});

describe('brandErrorClass', () => {
  test('errors are named by their brand, not by the (minifiable) class name', () => {
    class Mangled extends PeftError {
      static {
        brandErrorClass(this, 'test', 'ReadableError');
      }
      constructor() {
        super('INVALID_ARGUMENT', 'bad');
      }
    }
    const error = new Mangled();
    expect([error.name, String(error), error.stack?.split('\n')[0]]).toEqual(['ReadableError', 'ReadableError: bad', 'ReadableError: bad']);
  });

  test("core's errors carry their names; a user's unbranded subclass is named after its class", () => {
    expect([new NotFoundError('a').name, new ShapeMismatchError('w', [1], [2]).name, new InvalidArgumentError('b').name]).toEqual([
      'NotFoundError',
      'ShapeMismatchError',
      'InvalidArgumentError',
    ]);
    class MyAppError extends InvalidArgumentError {}
    const mine = new MyAppError('c');
    expect([mine.name, mine instanceof MyAppError, new InvalidArgumentError('d') instanceof MyAppError, mine instanceof PeftError]).toEqual([
      'MyAppError',
      true,
      false,
      true,
    ]);
  });
});
