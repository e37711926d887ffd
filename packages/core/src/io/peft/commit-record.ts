/**
 * Which adapter_config.json belongs to which adapter_model.safetensors.
 *
 * peft's layout is two files, and no file system renames two files at once: a
 * save killed between its two renames, or a reader racing a writer, can see new
 * weights beside the old config. With the same `r` that pair loads and computes
 * wrong outputs (new weights under the old `lora_alpha`), silently. Neither file
 * can say which other file it belongs to without changing bytes peft compares or
 * keys older peft releases reject (their config classes raise TypeError on unknown
 * keys), so the pairing lives in a third, hidden file that peft ignores: the
 * commit record, holding the SHA-256 of both files as last saved together. It is
 * renamed into place last, so it is the commit point of a save.
 *
 * Browser-safe: bytes in, bytes out (the digest is Web Crypto's).
 */
import { quoteText } from '../../util/quote';

export const COMMIT_RECORD_FILE = '.peftjs-commit.json';
/** A record is a few hundred bytes; anything far larger is not one of ours. */
export const MAX_COMMIT_RECORD_BYTES = 4096;
const FORMAT = 'peftjs-adapter-commit/1';

export interface CommitRecord {
  readonly configSha256: string;
  readonly weightsSha256: string;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export async function makeCommitRecord(config: Uint8Array, weights: Uint8Array): Promise<CommitRecord> {
  return { configSha256: await sha256Hex(config), weightsSha256: await sha256Hex(weights) };
}

export function formatCommitRecord(record: CommitRecord): string {
  return `${JSON.stringify({ format: FORMAT, config_sha256: record.configSha256, weights_sha256: record.weightsSha256 }, null, 2)}\n`;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The record in `bytes`, or undefined for anything that is not a well-formed
 * record of this format: such a folder is treated as one without a record
 * (as Python peft writes them), never as a reason to accept a torn pair.
 */
export function parseCommitRecord(bytes: Uint8Array): CommitRecord | undefined {
  if (bytes.length > MAX_COMMIT_RECORD_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { format, config_sha256: configSha256, weights_sha256: weightsSha256 } = value as Record<string, unknown>;
  if (format !== FORMAT || typeof configSha256 !== 'string' || typeof weightsSha256 !== 'string') return undefined;
  if (!SHA256_HEX.test(configSha256) || !SHA256_HEX.test(weightsSha256)) return undefined;
  return { configSha256, weightsSha256 };
}

/**
 * How a config and weights relate to the record beside them:
 * - `whole`: both are the pair the record names;
 * - `replaced`: neither is: both were rewritten since (by another tool, or a
 *   save that renamed both files and stopped before its record), so they are
 *   each other's pair as far as anyone can tell;
 * - `torn`: exactly one is: the other comes from a different save.
 */
export type PairState = 'whole' | 'replaced' | 'torn';

export interface PairCheck {
  readonly state: PairState;
  /** For `torn`: the file that does not belong to the record. */
  readonly stale?: 'config' | 'weights';
}

export async function checkPair(record: CommitRecord, config: Uint8Array, weights: Uint8Array): Promise<PairCheck> {
  const configMatches = (await sha256Hex(config)) === record.configSha256;
  const weightsMatch = (await sha256Hex(weights)) === record.weightsSha256;
  if (configMatches && weightsMatch) return { state: 'whole' };
  if (!configMatches && !weightsMatch) return { state: 'replaced' };
  return { state: 'torn', stale: configMatches ? 'weights' : 'config' };
}

export function describeTornPair(folder: string, stale: 'config' | 'weights'): string {
  const which = stale === 'weights' ? 'adapter_model.safetensors' : 'adapter_config.json';
  return (
    `the adapter in ${quoteText(folder, 200)} is torn: its ${which} comes from a different save than the other file ` +
    '(an interrupted save, or another process saving right now), and no complete earlier pair was found; save the adapter again'
  );
}
