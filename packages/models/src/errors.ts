/**
 * Typed errors of @peftjs/models. Each extends core's `PeftError` (stable `code`)
 * and says what was expected and what was found.
 */
import { brandErrorClass, PeftError, ShapeMismatchError } from '@peftjs/core';

/** A checkpoint tensor whose shape does not fit the model built from the config. */
export class CheckpointShapeError extends ShapeMismatchError {
  static {
    brandErrorClass(this, 'models', 'CheckpointShapeError');
  }

  constructor(
    /** The tensor's name in the checkpoint file. */
    readonly tensorName: string,
    /** The model parameter it was loaded into. */
    readonly parameterPath: string,
    expected: readonly number[],
    found: readonly number[],
  ) {
    super(`checkpoint tensor '${tensorName}' (for parameter '${parameterPath}')`, expected, found);
  }
}

/** A checkpoint that lacks tensors the model needs, or holds tensors the model has no place for. */
export class CheckpointKeysError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'CheckpointKeysError');
  }

  constructor(
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
  ) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing tensors for [${missing.join(', ')}]`);
    if (unexpected.length > 0) parts.push(`unexpected tensors [${unexpected.join(', ')}]`);
    super('CHECKPOINT_KEYS', `checkpoint does not fit the model: ${parts.join('; ')}`);
  }
}

/** A config.json value this package cannot build a model from. */
export class ModelConfigError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'ModelConfigError');
  }

  constructor(
    readonly field: string,
    expected: string,
    found: unknown,
  ) {
    super('MODEL_CONFIG', `config '${field}': expected ${expected}, found ${JSON.stringify(found)}`);
  }
}

/** A tfjs-layers layer (on import) or a module (on export) with no counterpart on the other side. */
export class UnsupportedLayerError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'UnsupportedLayerError');
  }

  constructor(
    /** Layer name (import) or module path (export). */
    readonly where: string,
    /** The tfjs-layers class name or the module's class name. */
    readonly className: string,
    reason: string,
  ) {
    super('UNSUPPORTED_LAYER', `'${where}' (${className}): ${reason}`);
  }
}

/** A token id outside the vocabulary of a model or tokenizer. */
export class TokenIdOutOfRangeError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'TokenIdOutOfRangeError');
  }

  constructor(
    readonly what: string,
    readonly id: number,
    readonly vocabSize: number,
  ) {
    super('TOKEN_ID_OUT_OF_RANGE', `${what}: expected ids in [0, ${vocabSize - 1}], found ${id}`);
  }
}

export type CheckpointSourceReason =
  /** A file the checkpoint needs is not in the folder or at the URL. */
  | 'NOT_FOUND'
  /** A server answered with a status other than 2xx (or 404 for a needed file). */
  | 'HTTP_STATUS'
  /** fetch failed (network, CORS, an aborted signal). */
  | 'NETWORK'
  /** A file is larger than the bound allowed for it. */
  | 'TOO_LARGE'
  /** `model.safetensors.index.json` is malformed or names an unsafe or inconsistent shard. */
  | 'INVALID_INDEX';

/** Reading a Hugging Face checkpoint from a folder or a URL failed; `file` is the file concerned. */
export class CheckpointSourceError extends PeftError {
  static {
    brandErrorClass(this, 'models', 'CheckpointSourceError');
  }

  constructor(
    readonly reason: CheckpointSourceReason,
    readonly file: string,
    message: string,
  ) {
    super('CHECKPOINT_SOURCE', `checkpoint file ${JSON.stringify(file.slice(0, 300))} (${reason}): ${message}`);
  }
}
