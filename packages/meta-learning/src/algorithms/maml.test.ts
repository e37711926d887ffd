/**
 * The end-to-end claim of MAML on Finn et al.'s sinusoids, in small: a short
 * meta-training run gives an initialisation that adapts far better than a
 * model trained for as long on the same tasks pooled. Fixed seeds; the bound
 * has a wide margin (this run gives about 0.35 of the baseline's error).
 */
import { onBackend, sinusoidMlp } from '../../test/helpers';
import { pretrainOnTasks } from '../baselines/pretrain-on-tasks';
import { evaluateAdaptation } from '../evaluate';
import { mseLoss } from '../losses';
import { metaTrain } from '../meta-train';
import { SinusoidTaskSampler } from '../tasks/sinusoid';
import { disposeTask } from '../tensors';
import { MAML } from './maml';

beforeAll(() => onBackend('cpu'));

test('a short MAML run on sinusoids adapts well below the pretrained baseline', () => {
  // A larger meta-learning rate than the paper's 1e-3 and a smaller meta-batch, so that 200 steps suffice.
  const iterations = 200;
  const metaBatchSize = 10;
  const maml = sinusoidMlp();
  const learner = new MAML(maml, { loss: mseLoss, innerLearningRate: 0.01, metaLearningRate: 0.01 });
  const losses = metaTrain(learner, new SinusoidTaskSampler({ seed: 1 }), { iterations, metaBatchSize });
  expect(losses).toHaveLength(iterations);

  const pretrained = sinusoidMlp();
  pretrainOnTasks(pretrained, new SinusoidTaskSampler({ seed: 1 }), { loss: mseLoss, iterations, tasksPerBatch: metaBatchSize });

  const tasks = new SinusoidTaskSampler({ shots: 10, queryShots: 50, seed: 99 }).sampleMany(50);
  const afterFiveSteps = (model: typeof maml, paths: readonly string[]) =>
    evaluateAdaptation(model, tasks, { loss: mseLoss, paths, learningRate: 0.01, steps: [5] })[0].mean;
  const mamlError = afterFiveSteps(maml, learner.innerPaths);
  const baselineError = afterFiveSteps(pretrained, pretrained.namedParameters().map(([p]) => p));
  expect(baselineError).toBeGreaterThan(2.5);
  expect(mamlError).toBeLessThan(0.6 * baselineError);

  tasks.forEach(disposeTask);
  learner.dispose();
  maml.dispose();
  pretrained.dispose();
});
