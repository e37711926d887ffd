/**
 * Which mixed-batch strategy a layer uses. The segment strategy costs about
 * ten ops per distinct adapter (gathers, two matmuls, scaling) and a scatter
 * back; the gather strategy a fixed dozen plus one per adapter, and copies
 * every row's factors. With one adapter the segment strategy needs no gather
 * at all; from two on, gathering was faster at every size measured
 * (bench/mixed-batch.ts --sweep: one 256 -> 256 layer, 32 rows x 64 tokens, wasm).
 */
import type { LoraLayer } from '../layer/lora-layer';
import type { MixedBatchStrategy } from './context';

export const GATHER_MIN_ADAPTERS = 2;

/** Whether the gather strategy computes exactly what the adapters compute alone. */
export function canGather(layer: LoraLayer, adapters: readonly string[]): boolean {
  return (
    layer.supportsGatheredBatch &&
    adapters.every((adapter) => {
      const settings = layer.adapterSettings(adapter);
      // Dropout in training would need a mask per adapter rate; LoRA biases and DoRA are not B A x.
      return settings.variant.batchable && !settings.loraBias && !(layer.training && settings.dropout > 0);
    })
  );
}

export function chooseStrategy(layer: LoraLayer, adapters: readonly string[], requested: MixedBatchStrategy): 'segment' | 'gather' {
  if (requested === 'segment' || !canGather(layer, adapters)) return 'segment';
  if (requested === 'gather') return 'gather';
  return adapters.length >= GATHER_MIN_ADAPTERS ? 'gather' : 'segment';
}
