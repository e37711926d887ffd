/**
 * Class brands: `instanceof` that holds across copies of a package.
 *
 * An app may load @peftjs/core twice (its ESM build and, through a method
 * package, its CJS build; or two installed versions). Each copy has its own
 * `Linear`, `AdapterLayer`, `PeftError`, so a plain `instanceof` says no to an
 * object made by the other copy: merges skip that copy's adapter layers, and
 * `catch (e) { if (e instanceof NotFoundError) ... }` misses its errors.
 *
 * A branded class marks its prototype with `Symbol.for('peftjs.<scope>.<Name>')`
 * (a key every copy shares, as `Symbol.for` keys are process-wide) and gets a
 * static `Symbol.hasInstance` that looks for that mark on the value's prototype
 * chain, so `x instanceof Linear` is true for any copy's Linear, and for their
 * subclasses. The brand is a fixed string, never `constructor.name`, which
 * minifiers rename.
 *
 * A subclass without a brand of its own (`class MyLinear extends Linear`)
 * inherits the static `Symbol.hasInstance`; it then answers as plain
 * `instanceof` does, so `x instanceof MyLinear` is true only for MyLinear
 * instances (of this copy of MyLinear: a user's class exists once).
 *
 * Every class @peftjs/core exports is branded, and every error class of the
 * @peftjs packages (scope: the package, 'lora', ...); other classes of those
 * packages are not (yet).
 */

/** A class, by what branding needs of it (a protected or abstract constructor is fine). */
interface AnyClass {
  readonly prototype: object;
}

/** Where a branded class keeps its brand: an own property, because statics are inherited. */
const BRAND_OF_CLASS = Symbol.for('peftjs.brand');

type Branded = AnyClass & { [BRAND_OF_CLASS]?: symbol };

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

function hasInstance(this: Branded, value: unknown): boolean {
  const brand = Object.hasOwn(this, BRAND_OF_CLASS) ? this[BRAND_OF_CLASS] : undefined;
  if (brand === undefined) return ordinaryHasInstance.call(this, value);
  return (typeof value === 'object' || typeof value === 'function') && value !== null && brand in value;
}

/** The key a class branded as `<scope>.<name>` marks its prototype with. */
function brandKey(scope: string, name: string): symbol {
  return Symbol.for(`peftjs.${scope}.${name}`);
}

/**
 * Brands `cls` as `peftjs.<scope>.<name>`: `instanceof cls` then accepts
 * instances of any copy of the class. Call it in the class's static block:
 * `static { brandClass(this, 'core', 'Linear'); }`.
 */
export function brandClass(cls: AnyClass, scope: string, name: string): void {
  const key = brandKey(scope, name);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, BRAND_OF_CLASS, { value: key });
  Object.defineProperty(cls, Symbol.hasInstance, { value: hasInstance, configurable: true });
}

/**
 * `brandClass` for an error class, which also gets `name` on its prototype
 * (as TypeError has): `error.name` and stack traces say `NotFoundError` in a
 * minified build too, where the class's own name is mangled.
 */
export function brandErrorClass(cls: { readonly prototype: Error }, scope: string, name: string): void {
  brandClass(cls, scope, name);
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}
