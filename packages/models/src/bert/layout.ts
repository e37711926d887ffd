/**
 * BERT, RoBERTa and DistilBERT are one post-norm encoder under different names.
 * A layout is what differs besides the sizes in the config: where each part of
 * a layer sits (the module paths peft targets and checkpoints name), where the
 * layers live, the backbone's name in task models, and how positions are
 * numbered. Token type embeddings follow the config (`typeVocabSize: 0`: none).
 */

/** Where each part of one encoder layer sits, relative to the layer, in creation (and Hugging Face state dict) order. */
export interface EncoderLayerNames {
  readonly query: string;
  readonly key: string;
  readonly value: string;
  /** Dropout on the attention probabilities. */
  readonly attentionDropout: string;
  readonly attentionOutput: string;
  /** Dropout after the attention's output projection; DistilBERT has none. */
  readonly attentionOutputDropout?: string;
  /** LayerNorm(attention output + layer input). */
  readonly attentionNorm: string;
  readonly intermediate: string;
  readonly activation: string;
  readonly output: string;
  readonly outputDropout: string;
  /** LayerNorm(feed-forward output + its input): the layer's output. */
  readonly outputNorm: string;
}

export type EncoderModelType = 'bert' | 'roberta' | 'distilbert';

export interface EncoderLayout {
  /** Hugging Face's `model_type`. */
  readonly modelType: EncoderModelType;
  /** The backbone's module name in task models, and the prefix of its tensors in their checkpoints. */
  readonly backbone: string;
  /** The container of the layers: `<layers>.layer.N`. */
  readonly layers: string;
  readonly layer: EncoderLayerNames;
  /**
   * RoBERTa numbers positions as fairseq does: padding tokens take position
   * `padTokenId`, real tokens `padTokenId + 1` onwards, so position ids depend
   * on the ids. BERT and DistilBERT count from 0.
   */
  readonly positionsAfterPadding: boolean;
}

const BERT_LAYER: EncoderLayerNames = {
  query: 'attention.self.query',
  key: 'attention.self.key',
  value: 'attention.self.value',
  attentionDropout: 'attention.self.dropout',
  attentionOutput: 'attention.output.dense',
  attentionOutputDropout: 'attention.output.dropout',
  attentionNorm: 'attention.output.LayerNorm',
  intermediate: 'intermediate.dense',
  activation: 'intermediate.intermediate_act_fn',
  output: 'output.dense',
  outputDropout: 'output.dropout',
  outputNorm: 'output.LayerNorm',
};

export const BERT_LAYOUT: EncoderLayout = { modelType: 'bert', backbone: 'bert', layers: 'encoder', layer: BERT_LAYER, positionsAfterPadding: false };

export const ROBERTA_LAYOUT: EncoderLayout = { modelType: 'roberta', backbone: 'roberta', layers: 'encoder', layer: BERT_LAYER, positionsAfterPadding: true };

export const DISTILBERT_LAYOUT: EncoderLayout = {
  modelType: 'distilbert',
  backbone: 'distilbert',
  layers: 'transformer',
  layer: {
    query: 'attention.q_lin',
    key: 'attention.k_lin',
    value: 'attention.v_lin',
    attentionDropout: 'attention.dropout',
    attentionOutput: 'attention.out_lin',
    attentionNorm: 'sa_layer_norm',
    intermediate: 'ffn.lin1',
    activation: 'ffn.activation',
    output: 'ffn.lin2',
    outputDropout: 'ffn.dropout',
    outputNorm: 'output_layer_norm',
  },
  positionsAfterPadding: false,
};
