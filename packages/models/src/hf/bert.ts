/**
 * BERT, RoBERTa and DistilBERT from Hugging Face files, for checkpoints of the
 * base models (names without the `bert.` / `roberta.` / `distilbert.` prefix),
 * the sequence classifiers, and the masked-LM checkpoints the public bases are
 * (`bert-base-uncased`, `roberta-base`, `distilbert-base-uncased`: their LM
 * heads are skipped). Linear weights are [out, in] in the file and in our Linear.
 */
import { bertConfigFromHF, robertaConfigFromHF } from '../bert/config';
import { distilBertConfigFromHF } from '../bert/distilbert-config';
import { BertModel, DistilBertModel, RobertaModel } from '../bert/model';
import { BertForSequenceClassification, DistilBertForSequenceClassification, RobertaForSequenceClassification } from '../bert/sequence-classification';
import type { CheckpointNaming } from './checkpoint';
import { buildAndLoad, type Pretrained, type PretrainedFiles } from './pretrained';

/** Old TensorFlow-converted checkpoints call LayerNorm's parameters gamma and beta. */
const renameLayerNorm = (name: string) => name.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');

/**
 * Names shared by the three: the position-id buffers some versions saved, the
 * heads of other tasks (skipped), and the heads and pooler a checkpoint may lack
 * (they keep their fresh initialisation).
 */
function encoderNaming(backbone: string, otherHeads: readonly string[], heads: readonly string[]): CheckpointNaming {
  const either = (names: readonly string[]) => new RegExp(`^(${names.join('|')})\\.`);
  const pooler = new RegExp(`^(${backbone}\\.)?pooler\\.`);
  return {
    backbonePrefix: `${backbone}.`,
    // A pooler is skipped too when the model has none (roberta-base has one, its classifier not).
    ignore: [new RegExp(`^(${backbone}\\.)?embeddings\\.(position_ids|token_type_ids)$`), either([...otherHeads, ...heads]), pooler],
    optional: [either(heads), pooler],
    rename: renameLayerNorm,
  };
}

export const BERT_CHECKPOINT_NAMING: CheckpointNaming = encoderNaming('bert', ['cls'], ['classifier']);
export const ROBERTA_CHECKPOINT_NAMING: CheckpointNaming = encoderNaming('roberta', ['lm_head'], ['classifier']);
export const DISTILBERT_CHECKPOINT_NAMING: CheckpointNaming = encoderNaming('distilbert', ['vocab_transform', 'vocab_layer_norm', 'vocab_projector'], ['pre_classifier', 'classifier']);

export function loadBertModel(files: PretrainedFiles): Pretrained<BertModel> {
  return buildAndLoad(() => new BertModel(bertConfigFromHF(files.config)), files, BERT_CHECKPOINT_NAMING);
}

export function loadBertForSequenceClassification(files: PretrainedFiles): Pretrained<BertForSequenceClassification> {
  return buildAndLoad(() => new BertForSequenceClassification(bertConfigFromHF(files.config)), files, BERT_CHECKPOINT_NAMING);
}

export function loadRobertaModel(files: PretrainedFiles): Pretrained<RobertaModel> {
  return buildAndLoad(() => new RobertaModel(robertaConfigFromHF(files.config)), files, ROBERTA_CHECKPOINT_NAMING);
}

export function loadRobertaForSequenceClassification(files: PretrainedFiles): Pretrained<RobertaForSequenceClassification> {
  return buildAndLoad(() => new RobertaForSequenceClassification(robertaConfigFromHF(files.config)), files, ROBERTA_CHECKPOINT_NAMING);
}

export function loadDistilBertModel(files: PretrainedFiles): Pretrained<DistilBertModel> {
  return buildAndLoad(() => new DistilBertModel(distilBertConfigFromHF(files.config)), files, DISTILBERT_CHECKPOINT_NAMING);
}

export function loadDistilBertForSequenceClassification(files: PretrainedFiles): Pretrained<DistilBertForSequenceClassification> {
  return buildAndLoad(() => new DistilBertForSequenceClassification(distilBertConfigFromHF(files.config)), files, DISTILBERT_CHECKPOINT_NAMING);
}
