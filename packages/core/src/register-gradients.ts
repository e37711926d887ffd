/**
 * tfjs-core alone registers no gradient functions: the `@tensorflow/tfjs`
 * umbrella does, by bundling tfjs-core's `register_all_gradients` into its own
 * build. We depend on tfjs-core only, so we do the same: tsup bundles this
 * import (see tsup.config.ts), and the gradients register into tfjs' global
 * registry, shared by every copy of tfjs-core code in the process. Without it,
 * `tf.grad` fails with "gradient function not found for Sum".
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { registerGradients } from './backend/gradients';

// Then ours, which replace tfjs' where they are wrong or missing for training
// (see backend/gradients/index.ts); useBackend registers them too, idempotently.
registerGradients();
