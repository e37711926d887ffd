/** peft's `_get_input_embeddings_name`: the path of the model's input embedding, else 'embed_tokens'. */
import type { AnyModule } from '@peftjs/core';

export function inputEmbeddingsName(model: AnyModule): string {
  const embeddings = (model as { getInputEmbeddings?: () => unknown }).getInputEmbeddings?.();
  const found = embeddings === undefined ? undefined : model.namedModules().find(([, module]) => module === embeddings)?.[0];
  return found ?? 'embed_tokens';
}
