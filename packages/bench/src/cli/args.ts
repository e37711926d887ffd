/** The command line of peftjs-bench: flags, their checks, and --help. */
import type { BackendName } from '@peftjs/core';
import { SUITES } from '../suites';
import type { Shot } from '../types';

export interface CliOptions {
  readonly help: boolean;
  readonly list: boolean;
  readonly suite: string;
  readonly tasks?: string[];
  readonly methods?: string[];
  readonly shots?: Shot[];
  readonly seeds?: number[];
  readonly backend: BackendName;
  readonly out: string;
  readonly cacheDir: string;
  readonly size?: 'test' | 'quick' | 'full';
  readonly progress: 'auto' | 'bar' | 'lines' | 'none';
  /** Modules to import first (each may register methods or tasks). */
  readonly requires: string[];
}

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'];

export function helpText(methods: readonly string[], tasks: readonly string[]): string {
  const suites = Object.values(SUITES)
    .map((s) => `  ${s.name.padEnd(6)} ${s.description}; tasks: ${s.tasks.join(', ')}`)
    .join('\n');
  return `peftjs-bench: every PEFT method on the same tasks, in one run.

Usage: peftjs-bench [suite] [options]

Suites (default quick):
${suites}

Options:
  --suite <name>           quick | full | test (also as the first argument)
  --tasks <a,b,...>        only these tasks (default: the suite's)
  --methods <a,b,...>      only these methods (default: all registered)
  --shots <n,...|all>      examples per class (per task for regression), e.g. 1,5,10,50,all
                           (default: each task's shots for the suite)
  --seeds <n,...>          seeds (default: the suite's); quality is reported as mean and
                           95% interval over them
  --seed-count <n>         seeds 0 to n-1
  --backend <name>         auto | wasm | cpu | tensorflow | tensorflow-gpu (default auto:
                           the fastest installed; tensorflow needs @tensorflow/tfjs-node)
  --out <dir>              output folder (default ./peftjs-bench-results): results.json,
                           results.schema.json, report.md, charts/*.svg
  --cache <dir>            pretrained-base cache (default ./.peftjs-cache); bases are keyed
                           by config, data, backend and code version, so reruns skip pretraining
  --size <test|quick|full> run the suite's tasks at another size
  --progress <mode>        auto | bar | lines | none (default auto: a bar on a terminal)
  --require <module>       import a module first (it may registerMethod / registerTask);
                           repeatable
  --list                   list suites, tasks and methods, then exit
  -h, --help               this text

Tasks: ${tasks.join(', ')}
Methods: ${methods.join(', ')}
`;
}

function list(value: string, flag: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list, found '${value}'`);
  return items;
}

function parseShots(value: string): Shot[] {
  return list(value, '--shots').map((item) => {
    if (item === 'all') return 'all';
    const n = Number(item);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--shots: expected positive integers or 'all', found '${item}'`);
    return n;
  });
}

function parseSeedCount(value: string): number[] {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--seed-count: expected an integer of at least 1, found '${value}'`);
  return Array.from({ length: n }, (_, i) => i);
}

function parseSeeds(value: string): number[] {
  const items = list(value, '--seeds');
  return items.map((item) => {
    const n = Number(item);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--seeds: expected non-negative integers, found '${item}'`);
    return n;
  });
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: { -readonly [K in keyof CliOptions]: CliOptions[K] } = {
    help: false,
    list: false,
    suite: 'quick',
    backend: 'auto',
    out: 'peftjs-bench-results',
    cacheDir: '.peftjs-cache',
    progress: 'auto',
    requires: [],
  };
  let suiteGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const [flag, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag}: expected a value`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        options.help = true;
        break;
      case '--list':
        options.list = true;
        break;
      case '--suite':
        options.suite = value();
        suiteGiven = true;
        break;
      case '--tasks':
      case '--task':
        options.tasks = list(value(), '--tasks');
        break;
      case '--methods':
      case '--method':
        options.methods = list(value(), '--methods');
        break;
      case '--shots':
        options.shots = parseShots(value());
        break;
      case '--seeds':
        options.seeds = parseSeeds(value());
        break;
      case '--seed-count':
        options.seeds = parseSeedCount(value());
        break;
      case '--backend': {
        const backend = value();
        if (!BACKENDS.includes(backend)) throw new UsageError(`--backend: expected one of ${BACKENDS.join(', ')}, found '${backend}'`);
        options.backend = backend as BackendName;
        break;
      }
      case '--out':
        options.out = value();
        break;
      case '--cache':
        options.cacheDir = value();
        break;
      case '--size': {
        const size = value();
        if (size !== 'test' && size !== 'quick' && size !== 'full') throw new UsageError(`--size: expected test, quick or full, found '${size}'`);
        options.size = size;
        break;
      }
      case '--progress': {
        const mode = value();
        if (!['auto', 'bar', 'lines', 'none'].includes(mode)) throw new UsageError(`--progress: expected auto, bar, lines or none, found '${mode}'`);
        options.progress = mode as CliOptions['progress'];
        break;
      }
      case '--require':
        options.requires.push(value());
        break;
      default:
        if (!flag.startsWith('-') && !suiteGiven && i === 0) {
          options.suite = flag;
          suiteGiven = true;
        } else {
          throw new UsageError(`unknown option '${raw}' (see --help)`);
        }
    }
  }
  return options;
}
