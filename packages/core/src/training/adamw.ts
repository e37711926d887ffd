/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"), as
 * PyTorch's torch.optim.AdamW: before the Adam step the parameter is scaled by
 * (1 - lr * weightDecay), with the scheduled lr, and the decay never enters the
 * moment estimates. Default weightDecay 0.01, as in PyTorch.
 */
import { brandClass } from '../util/brand';
import { Adam, type AdamOptions } from './adam';

export type AdamWOptions = AdamOptions;

export class AdamW extends Adam {
  static {
    brandClass(this, 'core', 'AdamW');
  }

  override readonly name: string = 'adamw';
  protected override readonly decoupledWeightDecay: boolean = true;

  constructor(options: AdamWOptions = {}) {
    super(options, 0.01);
  }
}
