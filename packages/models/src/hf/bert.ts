/**
 * BERT from Hugging Face files, for checkpoints of BertModel (names without
 * `bert.`), BertForSequenceClassification and pre-training checkpoints
 * (`bert-base-uncased`: its `cls.*` heads are skipped). Linear weights are
 * [out, in] in the file and in our Linear.
 */
import { bertConfigFromHF } from '../bert/config';
import { BertModel } from '../bert/model';
import { BertForSequenceClassification } from '../bert/sequence-classification';
import type { CheckpointNaming } from './checkpoint';
import { buildAndLoad, type Pretrained, type PretrainedFiles } from './pretrained';

export const BERT_CHECKPOINT_NAMING: CheckpointNaming = {
  backbonePrefix: 'bert.',
  // A buffer, the pre-training heads, and the classifier when loading into a model without one.
  ignore: [/^(bert\.)?embeddings\.position_ids$/, /^cls\./, /^classifier\./],
  // Some checkpoints are saved without the pooler (add_pooling_layer=False).
  optional: [/^classifier\./, /^(bert\.)?pooler\./],
  rename: (name) => name.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias'),
};

export function loadBertModel(files: PretrainedFiles): Pretrained<BertModel> {
  return buildAndLoad(() => new BertModel(bertConfigFromHF(files.config)), files, BERT_CHECKPOINT_NAMING);
}

export function loadBertForSequenceClassification(files: PretrainedFiles): Pretrained<BertForSequenceClassification> {
  return buildAndLoad(() => new BertForSequenceClassification(bertConfigFromHF(files.config)), files, BERT_CHECKPOINT_NAMING);
}
