/**
 * LoRA as a core PEFT method (peft's `register_peft_method`): its type, config
 * schema, tensor prefix, injection, and the one file name that does not follow
 * core's generic rule.
 */
import { AdapterStateError, PEFT_MODEL_PREFIX, registerPeftMethod, type AnyModule, type PeftMethod } from '@peftjs/core';
import { LORA, loraConfigSchema, type LoraConfig } from './config';
import { isLoraLayer } from './layer/lora-layer';
import { injectLora } from './model';

/**
 * peft keeps DoRA's magnitude as `lora_magnitude_vector.<adapter>.weight` in
 * memory but writes `lora_magnitude_vector` in files (the key it had before the
 * magnitude became a module); the generic rule would keep `.weight`.
 */
function doraMagnitudeFileName(relativePath: string, adapterName: string): string | undefined {
  const suffix = `.lora_magnitude_vector.${adapterName}.weight`;
  if (!relativePath.endsWith(suffix)) return undefined;
  return `${PEFT_MODEL_PREFIX}${relativePath.slice(0, -suffix.length)}.lora_magnitude_vector`;
}

/**
 * LoRA writes no computed tensors; the hook is where a save of a hotswapped
 * adapter is refused: its tensors no longer fit the config it was loaded with
 * (padded ranks, other scalings), so the files would load as another adapter.
 */
function refuseHotswappedSave(model: AnyModule, adapterName: string): Record<string, never> {
  const swapped = model.namedModules().find(([, module]) => isLoraLayer(module) && module.hasAdapter(adapterName) && module.isHotswapped(adapterName));
  if (swapped !== undefined) {
    throw new AdapterStateError(
      `adapter '${adapterName}' holds hotswapped or rank-padded weights at '${swapped[0]}', which its config does not describe; ` +
        'save the source adapter instead (hotswap is for serving)',
    );
  }
  return {};
}

export const loraMethod: PeftMethod<LoraConfig> = {
  peftType: LORA,
  schema: loraConfigSchema,
  tensorKeyPrefixes: ['lora_'],
  mergeable: true,
  inject: injectLora,
  fileName: doraMagnitudeFileName,
  computedFileTensors: refuseHotswappedSave,
};

/** Registers LoRA with core. Importing @peftjs/lora does this; calling it again is harmless. */
export function registerLora(): void {
  registerPeftMethod(loraMethod);
}

// ---- LoHa and LoKr (LyCORIS low-rank reparameterisations) ----------------------
import { registerLoha } from './loha/method';
import { registerLokr } from './lokr/method';

/** Registers LoHa and LoKr with core. Importing @peftjs/lora does this; calling it again is harmless. */
export function registerLycoris(): void {
  registerLoha();
  registerLokr();
}
