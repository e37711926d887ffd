/** The built-in tasks, registered in the order reports list them. */
import { registerTask, taskNames } from '../registry';
import type { BenchTask } from '../types';
import { sinusoidTask } from './sinusoid';
import { mobilenetTask } from './mobilenet';
import { imdbTask, spamTask } from './text';
import { fashionMnistTask, mnistCnnTask, mnistMlpTask } from './vision';

export const BUILTIN_TASKS: readonly BenchTask[] = [sinusoidTask, mnistMlpTask, mnistCnnTask, fashionMnistTask, imdbTask, spamTask, mobilenetTask];

/** Registers the built-in tasks (once; a user's task of the same name registered earlier wins). */
export function registerBuiltinTasks(): void {
  const present = new Set(taskNames());
  for (const task of BUILTIN_TASKS) if (!present.has(task.name)) registerTask(task);
}

export { sinusoidTask, mnistMlpTask, mnistCnnTask, fashionMnistTask, imdbTask, spamTask, mobilenetTask };
export { visionTask } from './vision';
