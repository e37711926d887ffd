import { InvalidArgumentError } from '../../errors';
import { fromPeftFileName, fromPeftFileState, toPeftFileName, toPeftFileState, type PeftTensorNaming } from './tensor-names';

const lora: PeftTensorNaming = { adapterName: 'default', tensorKeyPrefixes: ['lora_'], modulesToSave: ['score'] };

// Pairs follow peft's get_peft_model_state_dict / set_peft_model_state_dict.
const PAIRS: [file: string, memory: string, role: string][] = [
  ['base_model.model.transformer.h.0.attn.c_attn.lora_A.weight', 'transformer.h.0.attn.c_attn.lora_A.default.weight', 'adapter'],
  ['base_model.model.transformer.h.0.attn.c_attn.lora_B.weight', 'transformer.h.0.attn.c_attn.lora_B.default.weight', 'adapter'],
  ['base_model.model.model.embed_tokens.lora_embedding_A', 'model.embed_tokens.lora_embedding_A.default', 'adapter'],
  ['base_model.model.model.layers.0.q_proj.lora_magnitude_vector', 'model.layers.0.q_proj.lora_magnitude_vector.default', 'adapter'],
  ['base_model.model.score.weight', 'score.modules_to_save.default.weight', 'modules-to-save'],
  ['base_model.model.transformer.h.0.attn.c_attn.bias', 'transformer.h.0.attn.c_attn.bias', 'base'],
  ['base_model.model.default.lora_A.weight', 'default.lora_A.default.weight', 'adapter'], // a module named like the adapter
];

describe('peft tensor names', () => {
  it.each(PAIRS)('%s <-> %s', (file, memory, role) => {
    expect(fromPeftFileName(file, lora)).toEqual({ name: memory, role });
    expect(toPeftFileName(memory, lora)).toBe(file);
  });

  it('uses the adapter name it is given', () => {
    const naming = { ...lora, adapterName: 'task_b' };
    expect(fromPeftFileName('base_model.model.a.lora_A.weight', naming).name).toBe('a.lora_A.task_b.weight');
    expect(toPeftFileName('a.lora_A.task_b.weight', naming)).toBe('base_model.model.a.lora_A.weight');
    expect(toPeftFileName('score.modules_to_save.task_b.weight', naming)).toBe('base_model.model.score.weight');
  });

  it('works for other methods through their prefixes (IA3)', () => {
    const ia3 = { adapterName: 'default', tensorKeyPrefixes: ['ia3_'] };
    expect(fromPeftFileName('base_model.model.encoder.block.0.layer.1.DenseReluDense.wo.ia3_l', ia3).name).toBe('encoder.block.0.layer.1.DenseReluDense.wo.ia3_l.default');
    expect(fromPeftFileName('base_model.model.a.lora_A.weight', ia3).role).toBe('base');
  });

  it('matches modules_to_save on a component boundary, wrapping the outermost match', () => {
    const naming = { ...lora, modulesToSave: ['classifier'] };
    expect(fromPeftFileName('base_model.model.classifier.dense.weight', naming).name).toBe('classifier.modules_to_save.default.dense.weight');
    expect(fromPeftFileName('base_model.model.roberta.classifier.weight', naming).name).toBe('roberta.classifier.modules_to_save.default.weight');
    expect(fromPeftFileName('base_model.model.my_classifier.weight', naming).role).toBe('base');
    expect(toPeftFileName('classifier.modules_to_save.default.dense.weight', naming)).toBe('base_model.model.classifier.dense.weight');
  });

  it('keeps prompt-learning tensors outside base_model.model. as they are', () => {
    const prompt = { adapterName: 'default', tensorKeyPrefixes: [], topLevelNames: ['prompt_embeddings'] };
    expect(fromPeftFileName('prompt_embeddings', prompt)).toEqual({ name: 'prompt_embeddings', role: 'top-level' });
    expect(toPeftFileName('prompt_embeddings', prompt)).toBe('prompt_embeddings');
  });

  it('converts whole states and refuses collisions', () => {
    const memory = Object.fromEntries(PAIRS.map(([, name]) => [name, name.length]));
    const file = toPeftFileState(memory, lora);
    expect(Object.keys(file).sort()).toEqual(PAIRS.map(([name]) => name).sort());
    expect(fromPeftFileState(file, lora)).toEqual(memory);
    expect(() => toPeftFileState({ 'a.lora_A.default.weight': 1, 'a.lora_A.weight': 2 }, lora)).toThrow(InvalidArgumentError);
  });

  it('refuses malformed names and unusable adapter names', () => {
    expect(() => toPeftFileName('a..b', lora)).toThrow(InvalidArgumentError);
    expect(() => fromPeftFileName('base_model.model.a.', lora)).toThrow(InvalidArgumentError);
    for (const adapterName of ['', 'a.b', 'a/b', '..', 'a b']) {
      expect(() => toPeftFileName('x', { ...lora, adapterName })).toThrow(InvalidArgumentError);
    }
  });
});
