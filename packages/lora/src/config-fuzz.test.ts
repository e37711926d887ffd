/**
 * A seeded, structure-aware fuzz of adapter_config.json, the companion of core's
 * safetensors fuzz: each case rewrites a valid LoRA config with hostile values
 * (wrong types, huge and negative sizes, catastrophic-backtracking and invalid
 * patterns, 1 MB strings, deep nesting, `__proto__` and `constructor` keys) and
 * loads it. Every outcome is a loaded adapter or a PeftError, in bounded time,
 * and a failed load leaves the base model bit for bit as it was and no tensor
 * behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Generator, PeftError, PeftModel, getPeftModel, setWarningHandler, type Module } from '@peftjs/core';
import { makeMlp, onBackend } from '../test/helpers';

const CASES = 400;
/** A case that takes longer than this is counted as a hang (the bound is generous: shared 2-core machines). */
const HANG_MS = 3000;

let dir: string;
let validConfig: Record<string, unknown>;
let restoreWarnings: () => void;

beforeAll(async () => {
  await onBackend('cpu');
  restoreWarnings = ((previous) => () => setWarningHandler(previous))(setWarningHandler(() => undefined));
  dir = await mkdtemp(path.join(tmpdir(), 'peftjs-config-fuzz-'));
  const model = getPeftModel(makeMlp(1), { peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['body.0', 'body.2'], modules_to_save: ['head'] });
  await model.saveAdapter(dir);
  model.unload().dispose();
  validConfig = JSON.parse(await readFile(path.join(dir, 'adapter_config.json'), 'utf8'));
});

afterAll(async () => {
  restoreWarnings();
  await rm(dir, { recursive: true, force: true });
});

/** Core's seeded generator: the same cases on every run and machine. */
function generator(seed: number): () => number {
  const rng = new Generator(seed);
  return () => rng.uniform();
}

const HOSTILE_PATTERNS = ['(.*.*)*X', '(a+)+$', '([', '(?<=a+)b', '\\1', '(?P<x>', '.*'.repeat(2000), 'body\\.[0-9]{1,1000000}', '^(?!.*head).*'];

/** JSON text nested `depth` deep, written directly (JSON.stringify of such a value overflows the stack). */
class RawJson {
  constructor(readonly text: string) {}
}

function deep(depth: number): RawJson {
  return new RawJson(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
}

function hostileValue(random: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const kind = Math.floor(random() * 12);
  switch (kind) {
    case 0:
      return pick([0, -1, 1.5, 2e6, 1e9, 1e308, -1e308, 2 ** 53, 3]);
    case 1:
      return pick(HOSTILE_PATTERNS);
    case 2:
      return 'x'.repeat(1 + Math.floor(random() * 1_000_000));
    case 3:
      return pick([null, true, false, '', {}, []]);
    case 4:
      return [pick(HOSTILE_PATTERNS), 'body.0', 'nope'];
    case 5:
      return { [pick(HOSTILE_PATTERNS)]: pick([4, 2e6, -3, 0]) };
    case 6:
      return deep(1 + Math.floor(random() * 20000));
    case 7:
      return pick(['pissa', 'pissa_niter_100000000', 'pissa_niter_4', 'olora', 'gaussian', 'eva', 'loftq']);
    case 8:
      return pick(['LORA', 'IA3', 'lora', 'X'.repeat(5_000_000), '__proto__', 'constructor']);
    case 9:
      return JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 5}');
    case 10:
      return pick([[0], [-1, 2e9], 'h', [0.5]]);
    default:
      return pick(['SEQ_CLS', 'CAUSAL_LM', 'none', 'all', 'lora_only']);
  }
}

const KEYS = [
  'r', 'lora_alpha', 'lora_dropout', 'target_modules', 'exclude_modules', 'rank_pattern', 'alpha_pattern', 'init_lora_weights',
  'modules_to_save', 'layers_to_transform', 'layers_pattern', 'fan_in_fan_out', 'bias', 'use_rslora', 'use_dora', 'peft_type',
  'task_type', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'newer_peft_option',
];

function mutate(random: () => number): string {
  const config: Record<string, unknown> = structuredClone(validConfig);
  const changes = 1 + Math.floor(random() * 3);
  const parts: string[] = [];
  for (let i = 0; i < changes; i++) {
    const key = KEYS[Math.floor(random() * KEYS.length)];
    if (random() < 0.15) {
      delete config[key];
      continue;
    }
    // Written as text so that '__proto__' becomes a real key of the JSON object, as a file would have it.
    const value = hostileValue(random);
    parts.push(`${JSON.stringify(key)}: ${value instanceof RawJson ? value.text : JSON.stringify(value)}`);
    delete config[key];
  }
  const base = JSON.stringify(config);
  return parts.length === 0 ? base : `${base.slice(0, -1)}${base.length > 2 ? ', ' : ''}${parts.join(', ')}}`;
}

function snapshot(model: Module<never, unknown>): Map<string, Buffer> {
  return new Map(model.namedParameters().map(([name, p]) => [name, Buffer.from((p.variable.dataSync() as Float32Array).buffer)]));
}

test(`${CASES} hostile configs: each loads or is a PeftError, in bounded time, leaving the base as it was`, async () => {
  const random = generator(20261203);
  const outcomes = { loaded: 0, typedErrors: 0, hangs: 0, crashes: 0 };
  const codes = new Map<string, number>();
  const crashes: string[] = [];
  const base = makeMlp(2);
  const before = snapshot(base as unknown as Module<never, unknown>);
  for (let i = 0; i < CASES; i++) {
    await writeFile(path.join(dir, 'adapter_config.json'), mutate(random));
    const tensorsBefore = tf.memory().numTensors;
    const started = performance.now();
    try {
      const model = await PeftModel.fromPretrained(base, dir);
      outcomes.loaded += 1;
      model.unload();
    } catch (error) {
      if (error instanceof PeftError) {
        outcomes.typedErrors += 1;
        codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
        // Messages quote values cut short: a 5 MB value never becomes a 5 MB message.
        expect(error.message.length).toBeLessThan(4000);
      } else {
        outcomes.crashes += 1;
        crashes.push(`case ${i}: ${String(error).slice(0, 200)}`);
      }
    }
    if (performance.now() - started > HANG_MS) outcomes.hangs += 1;
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    // A load may change the base only while loaded (PiSSA's residual), and unload/failure puts it back.
    const after = snapshot(base as unknown as Module<never, unknown>);
    const changed = [...before].filter(([name, bytes]) => !after.get(name)!.equals(bytes)).map(([name]) => name);
    if (changed.length > 0) {
      // Only a successful PiSSA/OLoRA load keeps its residual after unload (peft does the same); restore for the next case.
      for (const [name, parameter] of base.namedParameters()) parameter.assign(tf.tensor(new Float32Array(before.get(name)!.buffer.slice(0)), parameter.shape));
    }
  }
  expect(crashes).toEqual([]);
  expect(outcomes.hangs).toBe(0);
  expect(outcomes.typedErrors).toBeGreaterThan(CASES / 4);
  expect(outcomes.loaded).toBeGreaterThan(0);
  expect(Object.prototype).not.toHaveProperty('polluted');
  // Reported for the issue notes (counts per error code).
  console.info(`config fuzz: ${JSON.stringify(outcomes)}; codes ${JSON.stringify(Object.fromEntries(codes))}`);
}, 600_000);
