/**
 * A small JSON Schema validator for the subset RESULTS_SCHEMA uses: type,
 * properties, required, additionalProperties, items, enum, const, minimum,
 * maximum, anyOf and local $ref. Returns every error with its JSON path.
 */
import type { JsonSchema, JsonType } from './schema';

export interface ValidationError {
  /** JSON path of the offending value: `$.results[3].quality.mean`. */
  readonly path: string;
  readonly message: string;
}

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function matchesType(value: unknown, type: JsonType): boolean {
  const actual = typeOf(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

function resolve(root: JsonSchema, ref: string): JsonSchema {
  const match = /^#\/\$defs\/(.+)$/.exec(ref);
  const target = match ? root.$defs?.[match[1]] : undefined;
  if (target === undefined) throw new Error(`schema: cannot resolve $ref '${ref}'`);
  return target;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function check(value: unknown, schema: JsonSchema, root: JsonSchema, path: string, errors: ValidationError[]): void {
  if (schema.$ref !== undefined) {
    check(value, resolve(root, schema.$ref), root, path, errors);
    return;
  }
  if (schema.anyOf !== undefined) {
    const passes = schema.anyOf.some((option) => {
      const sub: ValidationError[] = [];
      check(value, option, root, path, sub);
      return sub.length === 0;
    });
    if (!passes) errors.push({ path, message: `matches none of the ${schema.anyOf.length} allowed forms (found ${JSON.stringify(value)?.slice(0, 80)})` });
    return;
  }
  if (schema.const !== undefined && !equal(value, schema.const)) errors.push({ path, message: `expected ${JSON.stringify(schema.const)}, found ${JSON.stringify(value)}` });
  if (schema.enum !== undefined && !schema.enum.some((option) => equal(option, value))) {
    errors.push({ path, message: `expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, found ${JSON.stringify(value)}` });
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => matchesType(value, type))) {
      errors.push({ path, message: `expected ${types.join(' or ')}, found ${typeOf(value)}` });
      return;
    }
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) errors.push({ path, message: `expected a finite number, found ${value}` });
    if (schema.minimum !== undefined && value < schema.minimum) errors.push({ path, message: `expected at least ${schema.minimum}, found ${value}` });
    if (schema.maximum !== undefined && value > schema.maximum) errors.push({ path, message: `expected at most ${schema.maximum}, found ${value}` });
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => check(item, schema.items!, root, `${path}[${i}]`, errors));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) errors.push({ path, message: `missing required property '${key}'` });
    for (const [key, child] of Object.entries(object)) {
      const childPath = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      const declared = schema.properties?.[key];
      if (declared !== undefined) check(child, declared, root, childPath, errors);
      else if (schema.additionalProperties === false) errors.push({ path: childPath, message: 'unexpected property' });
      else if (typeof schema.additionalProperties === 'object') check(child, schema.additionalProperties, root, childPath, errors);
    }
  }
}

/** Every way `value` breaks `schema` (empty: valid). */
export function validate(value: unknown, schema: JsonSchema): ValidationError[] {
  const errors: ValidationError[] = [];
  check(value, schema, schema, '$', errors);
  return errors;
}
