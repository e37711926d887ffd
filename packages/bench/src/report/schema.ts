/**
 * The JSON Schema (draft 2020-12, the subset validate.ts implements) of a
 * results file. Written out by the CLI beside the results as
 * `results.schema.json`, so other tools can validate them too.
 */
import { RESULTS_SCHEMA_VERSION } from './results';

export type JsonSchema = {
  $schema?: string;
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
};

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const count: JsonSchema = { type: 'integer', minimum: 0 };
const bytes: JsonSchema = { type: 'integer', minimum: 0 };
const positive: JsonSchema = { type: 'number', minimum: 0 };

const SUMMARY_REQUIRED = ['mean', 'low', 'high', 'n', 'units', 'values'];
const summaryProperties: Record<string, JsonSchema> = {
  mean: { type: ['number', 'null'] },
  low: { type: ['number', 'null'] },
  high: { type: ['number', 'null'] },
  n: count,
  units: count,
  values: { type: 'array', items: { type: 'number' } },
};

export const RESULTS_SCHEMA: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://peftjs.dev/schemas/bench-results.schema.json',
  title: 'peftjs-bench results',
  type: 'object',
  required: ['schemaVersion', 'tool', 'startedAt', 'durationSeconds', 'suite', 'size', 'seeds', 'environment', 'tasks', 'results'],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: RESULTS_SCHEMA_VERSION },
    tool: {
      type: 'object',
      required: ['name', 'version'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, version: { type: 'string' } },
    },
    startedAt: { type: 'string' },
    durationSeconds: positive,
    suite: { type: 'string' },
    size: { enum: ['test', 'quick', 'full'] },
    seeds: { type: 'array', items: { type: 'integer' } },
    environment: { $ref: '#/$defs/environment' },
    tasks: { type: 'array', items: { $ref: '#/$defs/task' } },
    results: { type: 'array', items: { $ref: '#/$defs/result' } },
  },
  $defs: {
    shot: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'all' }] },
    status: { enum: ['ok', 'skipped', 'failed'] },
    summary: { type: 'object', required: SUMMARY_REQUIRED, additionalProperties: false, properties: summaryProperties },
    pairedDifference: {
      type: 'object',
      required: [...SUMMARY_REQUIRED, 'distinguishable'],
      additionalProperties: false,
      properties: { ...summaryProperties, distinguishable: { type: 'boolean' } },
    },
    versusFull: {
      type: 'object',
      required: ['quality', 'forgetting'],
      additionalProperties: false,
      properties: { quality: nullable({ $ref: '#/$defs/pairedDifference' }), forgetting: nullable({ $ref: '#/$defs/pairedDifference' }) },
    },
    scoreSet: {
      type: 'object',
      required: ['seeds', 'design', 'values'],
      additionalProperties: false,
      properties: {
        seeds: { type: 'array', items: { type: 'integer' } },
        design: { enum: ['crossed', 'nested'] },
        values: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
      },
    },
    scores: {
      type: 'object',
      required: ['quality', 'forgetting'],
      additionalProperties: false,
      properties: { quality: nullable({ $ref: '#/$defs/scoreSet' }), forgetting: nullable({ $ref: '#/$defs/scoreSet' }) },
    },
    environment: {
      type: 'object',
      required: ['backend', 'versions', 'hardware'],
      additionalProperties: false,
      properties: {
        backend: {
          type: 'object',
          required: ['name', 'tfjsBackend', 'device', 'simd', 'threads'],
          additionalProperties: false,
          properties: {
            name: { enum: ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] },
            tfjsBackend: { type: 'string' },
            device: { enum: ['cpu', 'gpu'] },
            simd: { type: ['boolean', 'null'] },
            threads: { type: 'integer', minimum: 1 },
          },
        },
        versions: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
        hardware: {
          type: 'object',
          required: ['platform', 'arch', 'cpus', 'cpuModel', 'memoryBytes', 'loadAverage'],
          additionalProperties: false,
          properties: {
            platform: { type: 'string' },
            arch: { type: 'string' },
            cpus: { type: 'integer', minimum: 1 },
            cpuModel: { type: 'string' },
            memoryBytes: bytes,
            loadAverage: { type: 'array', items: positive },
          },
        },
      },
    },
    task: {
      type: 'object',
      required: ['name', 'title', 'description', 'status', 'metric', 'shots', 'notes', 'baseScores', 'prepareSeconds', 'extras'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        title: { type: 'string' },
        description: { type: 'string' },
        status: { $ref: '#/$defs/status' },
        reason: { type: 'string' },
        metric: nullable({
          type: 'object',
          required: ['name', 'higherIsBetter'],
          additionalProperties: false,
          properties: { name: { type: 'string' }, higherIsBetter: { type: 'boolean' }, range: { type: 'array', items: { type: 'number' } } },
        }),
        shots: { type: 'array', items: { $ref: '#/$defs/shot' } },
        notes: { type: 'array', items: { type: 'string' } },
        baseScores: nullable({
          type: 'object',
          additionalProperties: false,
          properties: { forgetting: { type: 'number' }, target: { type: 'number' } },
        }),
        prepareSeconds: nullable(positive),
        extras: { type: 'object' },
      },
    },
    result: {
      type: 'object',
      required: [
        'task', 'method', 'title', 'group', 'kind', 'shot', 'status', 'quality', 'trainableParameters', 'totalParameters', 'trainableShare',
        'optimizerStateBytes', 'peakTensorBytes', 'stepMs', 'stepTimeRatio', 'inferenceMs', 'latencyRatio', 'latencyMergedRatio', 'adapterBytes',
        'forgetting', 'trainSeconds', 'scores', 'versusFull',
      ],
      additionalProperties: false,
      properties: {
        task: { type: 'string' },
        method: { type: 'string' },
        title: { type: 'string' },
        group: { type: 'string' },
        kind: { enum: ['finetune', 'meta'] },
        shot: { $ref: '#/$defs/shot' },
        status: { $ref: '#/$defs/status' },
        reason: { type: 'string' },
        quality: nullable({ $ref: '#/$defs/summary' }),
        trainableParameters: nullable(count),
        totalParameters: nullable(count),
        trainableShare: nullable({ type: 'number', minimum: 0, maximum: 1 }),
        optimizerStateBytes: nullable(bytes),
        peakTensorBytes: nullable({ type: 'integer' }),
        stepMs: nullable(positive),
        stepTimeRatio: nullable(positive),
        inferenceMs: nullable(positive),
        latencyRatio: nullable(positive),
        latencyMergedRatio: nullable(positive),
        adapterBytes: nullable(bytes),
        forgetting: nullable({ $ref: '#/$defs/summary' }),
        trainSeconds: nullable(positive),
        scores: nullable({ $ref: '#/$defs/scores' }),
        versusFull: nullable({ $ref: '#/$defs/versusFull' }),
        notes: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};
