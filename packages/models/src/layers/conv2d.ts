// Conv2D lives in @peftjs/core (method packages such as LoRA must recognise it); re-exported here for models' users.
export { Conv2D, conv2d, pair, type Pair, type Conv2DPadding, type Conv2DGeometry, type Conv2DOptions } from '@peftjs/core';
