/**
 * The method registry (as peft's register_peft_method and tfjs' registerKernel):
 * a method package registers itself, core looks methods up by peft_type.
 */
import { InvalidArgumentError, NotFoundError } from '../errors';
import { closestNames } from '../util/closest';
import { globalState } from '../util/global-state';
import { quoteText, quoteValue } from '../util/quote';
import type { PeftConfig } from './config/schema';
import type { PeftMethod } from './method';

const methods = globalState('peft-methods', () => new Map<string, PeftMethod>());

/**
 * Registers a method. Registering the same object again is a no-op (a package
 * imported twice); a different method under a taken type is an error.
 */
export function registerPeftMethod<C extends PeftConfig>(method: PeftMethod<C>): void {
  const existing = methods.get(method.peftType);
  if (existing === (method as unknown as PeftMethod)) return;
  if (existing !== undefined) {
    throw new InvalidArgumentError(`a PEFT method with peft_type '${method.peftType}' is already registered`);
  }
  methods.set(method.peftType, method as unknown as PeftMethod);
}

export function unregisterPeftMethod(peftType: string): boolean {
  return methods.delete(peftType);
}

export function getPeftMethod(peftType: string): PeftMethod {
  const method = methods.get(peftType);
  if (method === undefined) {
    const known = [...methods.keys()];
    throw new NotFoundError(
      `no PEFT method ${quoteText(peftType)} is registered (registered: ${known.length > 0 ? known.join(', ') : 'none'}; ` +
        `import its package, e.g. @peftjs/lora, to register it)`,
      closestNames(peftType, known),
    );
  }
  return method;
}

export function registeredPeftTypes(): string[] {
  return [...methods.keys()];
}

/** Parses a raw config with the schema of the method its `peft_type` names. */
export function parsePeftConfig(raw: unknown): PeftConfig {
  const type = typeof raw === 'object' && raw !== null ? (raw as { peft_type?: unknown }).peft_type : undefined;
  if (typeof type !== 'string') {
    throw new InvalidArgumentError(`PEFT config: expected an object with a string 'peft_type', found ${quoteValue(type)}`);
  }
  return getPeftMethod(type).schema.parse(raw);
}
