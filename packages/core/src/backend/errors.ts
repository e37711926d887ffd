/** Typed errors of the backend interface, each with a stable `code`. */
import { PeftError } from '../errors';
import { brandErrorClass } from '../util/brand';
import type { ResolvedBackendName } from './types';

/** A backend was asked for by name but its npm package is not installed. */
export class BackendNotInstalledError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'BackendNotInstalledError');
  }

  constructor(
    readonly backend: ResolvedBackendName,
    /** The npm package to install to get this backend. */
    readonly packageName: string,
    /** What to do, when more than installing it (importing it, in a bundled app). */
    advice = `run \`npm install ${packageName}\``,
  ) {
    super('BACKEND_NOT_INSTALLED', `backend '${backend}' needs the npm package ${packageName}, which is not installed: ${advice}`);
  }
}

/** A backend name outside `BackendName`. */
export class UnknownBackendError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'UnknownBackendError');
  }

  constructor(
    readonly found: string,
    readonly validNames: readonly string[],
  ) {
    super('UNKNOWN_BACKEND', `unknown backend '${found}': expected one of ${validNames.map((n) => `'${n}'`).join(', ')}`);
  }
}

/** The package is installed but the backend failed to start (broken native binding, missing .wasm file, ...). */
export class BackendInitError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'BackendInitError');
  }

  constructor(
    readonly backend: ResolvedBackendName,
    readonly reason: string,
  ) {
    super('BACKEND_INIT_FAILED', `backend '${backend}' is installed but failed to start: ${reason}`);
  }
}

/** `useBackend('auto')` found no backend that starts, or `backendInfo` was called before any backend ran. */
export class NoBackendError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'NoBackendError');
  }

  constructor(
    message: string,
    /** Why each backend tried failed to start, in the order they were tried (empty when none was tried). */
    readonly failures: readonly string[] = [],
  ) {
    super('NO_BACKEND', message);
  }
}

/** The active tfjs backend was set outside peftjs and is not one it knows (a custom one, ...). */
export class UnsupportedBackendError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'UnsupportedBackendError');
  }

  constructor(
    readonly tfjsBackend: string,
    readonly supported: readonly string[],
  ) {
    super(
      'UNSUPPORTED_BACKEND',
      `the active tfjs backend '${tfjsBackend}' is not one peftjs manages: expected one of ${supported.map((n) => `'${n}'`).join(', ')}`,
    );
  }
}

/**
 * A gradient peftjs would compute wrong (tfjs' kernel ignores an attribute) or
 * cannot compute for these attributes: refused rather than silently wrong.
 */
export class UnsupportedGradientError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'UnsupportedGradientError');
  }

  constructor(
    /** The tfjs kernel whose gradient was asked for ('Conv2D', 'GatherV2', ...). */
    readonly kernel: string,
    /** What about its attributes is not supported, and what is. */
    readonly reason: string,
  ) {
    super('UNSUPPORTED_GRADIENT', `gradient of ${kernel} ${reason}`);
  }
}
