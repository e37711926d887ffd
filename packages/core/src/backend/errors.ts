/** Typed errors of the backend interface, each with a stable `code`. */
import { PeftError } from '../errors';
import type { ResolvedBackendName } from './types';

/** A backend was asked for by name but its npm package is not installed. */
export class BackendNotInstalledError extends PeftError {
  constructor(
    readonly backend: ResolvedBackendName,
    /** The npm package to install to get this backend. */
    readonly packageName: string,
  ) {
    super(
      'BACKEND_NOT_INSTALLED',
      `backend '${backend}' needs the npm package ${packageName}, which is not installed: run \`npm install ${packageName}\``,
    );
  }
}

/** A backend name outside `BackendName`. */
export class UnknownBackendError extends PeftError {
  constructor(
    readonly found: string,
    readonly validNames: readonly string[],
  ) {
    super('UNKNOWN_BACKEND', `unknown backend '${found}': expected one of ${validNames.map((n) => `'${n}'`).join(', ')}`);
  }
}

/** The package is installed but the backend failed to start (broken native binding, missing .wasm file, ...). */
export class BackendInitError extends PeftError {
  constructor(
    readonly backend: ResolvedBackendName,
    readonly reason: string,
  ) {
    super('BACKEND_INIT_FAILED', `backend '${backend}' is installed but failed to start: ${reason}`);
  }
}
