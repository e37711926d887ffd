/** The peftjs-bench command: parse flags, run the bench, print the table, write the reports. */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerBuiltinMethods } from '../methods/index';
import { methodNames, selectMethods, selectTasks, taskNames, UnknownNameError } from '../registry';
import { resultsTable } from '../report/table';
import { writeReport } from '../report/write';
import { createBenchProgress } from '../runner/progress';
import { runBench } from '../runner/run-bench';
import { getSuite, SUITES } from '../suites';
import { registerBuiltinTasks } from '../tasks/index';
import { helpText, parseArgs, UsageError, type CliOptions } from './args';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultIo: CliIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t) };

async function importModule(specifier: string): Promise<void> {
  const local = specifier.startsWith('.') || path.isAbsolute(specifier);
  await import(local ? pathToFileURL(path.resolve(specifier)).href : specifier);
}

/** Runs the command; resolves to the process exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`peftjs-bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  for (const specifier of options.requires) {
    try {
      await importModule(specifier);
    } catch (error) {
      io.stderr(`peftjs-bench: --require ${specifier} failed: ${(error as Error).message}\n`);
      return 2;
    }
  }
  registerBuiltinMethods();
  registerBuiltinTasks();
  if (options.help) {
    io.stdout(helpText(methodNames(), taskNames()));
    return 0;
  }
  if (options.list) {
    io.stdout(`suites: ${Object.keys(SUITES).join(', ')}\ntasks: ${taskNames().join(', ')}\nmethods: ${methodNames().join(', ')}\n`);
    return 0;
  }
  try {
    getSuite(options.suite);
    if (options.tasks) selectTasks(options.tasks);
    if (options.methods) selectMethods(options.methods);
  } catch (error) {
    if (error instanceof UnknownNameError) {
      io.stderr(`peftjs-bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const progress = createBenchProgress({ silent: options.progress === 'none', bar: options.progress === 'auto' ? undefined : options.progress === 'bar', write: io.stderr });
  const results = await runBench({
    suite: options.suite,
    tasks: options.tasks,
    methods: options.methods,
    shots: options.shots,
    seeds: options.seeds,
    backend: options.backend,
    cacheDir: options.cacheDir,
    size: options.size,
    progress,
  });
  io.stdout(`\n${resultsTable(results)}\n\n`);
  const written = writeReport(results, options.out);
  io.stdout(`wrote ${path.relative(process.cwd(), path.join(written.directory, 'report.md')) || 'report.md'}, report.html, results.json, results.schema.json and ${written.files.filter((f) => f.endsWith('.svg')).length} charts to ${written.directory}\n`);
  if (written.errors.length > 0) {
    io.stderr(`peftjs-bench: results.json does not match its schema:\n${written.errors.slice(0, 20).map((e) => `  ${e.path}: ${e.message}`).join('\n')}\n`);
    return 1;
  }
  const failed = results.results.filter((r) => r.status === 'failed').length;
  if (failed > 0) io.stderr(`peftjs-bench: ${failed} method run(s) failed; see the report's "Not run" lists\n`);
  return 0;
}
