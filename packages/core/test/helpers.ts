/**
 * Shared test helpers: backend switching and numerical checks.
 * Not part of the published package.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '../src/register-gradients';
import { useTestBackend, finiteDifferenceGradient, expectClose } from '../src/testing/numeric';

// Shared with every package's tests: see @peftjs/core/testing.
export { useTestBackend as onBackend, finiteDifferenceGradient, expectClose };

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];
