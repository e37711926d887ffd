/**
 * The model class a Hugging Face `config.json` names (`architectures[0]`, else
 * the base model of its `model_type`), built and loaded from bytes in memory.
 * The classes are rows of `./architectures`; `loadPretrainedModel` streams the
 * same rows from a folder or a URL.
 */
import type { Module } from '@peftjs/core';
import { configObject } from '../transformer/config-fields';
import { architectureOf } from './architectures';
import { buildAndLoad, type Pretrained, type PretrainedFiles } from './pretrained';

/** Builds the architecture the config names and loads the weights into it. */
export function loadPretrained(files: PretrainedFiles): Pretrained<Module<never, unknown>> {
  const config = configObject(files.config);
  const { build, naming } = architectureOf(config);
  return buildAndLoad(() => build(config), { ...files, config }, naming);
}
