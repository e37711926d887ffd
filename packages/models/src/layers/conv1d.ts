// Conv1D lives in @peftjs/core (method packages such as LoRA must recognise it); re-exported here for models' users.
export { Conv1D, conv1d, type Conv1DOptions } from '@peftjs/core';
