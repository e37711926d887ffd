/**
 * How an adapter's update is scaled: LoRA's alpha / r, or rsLoRA's
 * alpha / sqrt(r) (Kalajdzievski 2023), which keeps the update's size stable
 * as the rank grows so that large ranks learn as well as small ones.
 */
export interface ScalingRule {
  readonly name: 'lora' | 'rslora';
  scaling(alpha: number, r: number): number;
}

export const loraScaling: ScalingRule = { name: 'lora', scaling: (alpha, r) => alpha / r };

export const rsloraScaling: ScalingRule = { name: 'rslora', scaling: (alpha, r) => alpha / Math.sqrt(r) };

export function scalingRule(useRslora: boolean): ScalingRule {
  return useRslora ? rsloraScaling : loraScaling;
}
