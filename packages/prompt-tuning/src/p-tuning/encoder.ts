/**
 * The P-tuning prompt encoder (peft's PromptEncoder): virtual token
 * embeddings [n, token_dim] produced by a network over a trained table.
 * MLP: Linear, ReLU, Linear, ReLU, Linear (`mlp_head`). LSTM: a bidirectional
 * LSTM (`lstm_head`), then Linear, ReLU, Linear (`mlp_head`). In inference
 * mode peft keeps the table alone, holding the network's output: the folded form.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Activation, Linear, Sequential, type Generator } from '@peftjs/core';
import { PromptLearningEncoder } from '../shared/encoder';
import type { EncoderReparameterizationType } from './config';
import { BidirectionalLstm } from './lstm';

export interface PTuningEncoderShape {
  readonly virtualTokens: number;
  readonly tokenDim: number;
  /** undefined: the folded form, the table alone. */
  readonly network?: {
    readonly type: EncoderReparameterizationType;
    readonly hiddenSize: number;
    readonly lstmLayers: number;
    readonly lstmDropout: number;
  };
}

export class PTuningEncoder extends PromptLearningEncoder {
  private readonly lstmHead: BidirectionalLstm | undefined;
  private readonly mlpHead: Sequential | undefined;

  constructor(shape: PTuningEncoderShape, rng?: Generator) {
    super(shape.virtualTokens, shape.tokenDim, rng);
    const network = shape.network;
    if (network?.type === 'LSTM') {
      const hidden = network.hiddenSize;
      this.lstmHead = this.addModule(
        'lstm_head',
        new BidirectionalLstm({ inputSize: shape.tokenDim, hiddenSize: hidden, numLayers: network.lstmLayers, dropout: network.lstmDropout }, rng),
      );
      this.mlpHead = this.addModule('mlp_head', new Sequential(new Linear(2 * hidden, 2 * hidden, { rng }), new Activation('relu'), new Linear(2 * hidden, shape.tokenDim, { rng })));
    } else if (network?.type === 'MLP') {
      const hidden = network.hiddenSize;
      this.mlpHead = this.addModule(
        'mlp_head',
        new Sequential(
          new Linear(shape.tokenDim, hidden, { rng }),
          new Activation('relu'),
          new Linear(hidden, hidden, { rng }),
          new Activation('relu'),
          new Linear(hidden, shape.tokenDim, { rng }),
        ),
      );
    }
  }

  get folded(): boolean {
    return this.mlpHead === undefined;
  }

  /** [n, token_dim]. */
  forward(): tf.Tensor {
    const table = this.embedding.weight.read();
    if (this.mlpHead === undefined) return table;
    return this.mlpHead.call(this.lstmHead === undefined ? table : this.lstmHead.call(table));
  }
}
