import * as fs from 'node:fs';
import * as path from 'node:path';
import * as models from '@peftjs/models';

test('the main entry exports the architectures, loaders and tokenizers', () => {
  for (const name of ['MLP', 'SmallCNN', 'Conv2D', 'Conv1D', 'GPT2LMHeadModel', 'GPT2ForSequenceClassification', 'BertForSequenceClassification', 'RobertaForSequenceClassification', 'DistilBertForSequenceClassification', 'loadRobertaModel', 'loadDistilBertModel', 'generate', 'loadPretrained', 'GPT2Tokenizer', 'RemappedTokenizer', 'HFTokenizer', 'HF_TOKENIZER_LIMITS', 'TokenizerFormatError', 'ChatTemplateError']) {
    expect(models).toHaveProperty(name);
  }
});

test('the main entry never loads @tensorflow/tfjs-layers (an optional peer): only the tfjs-layers entry does', () => {
  const seen = new Set<string>();
  const importsLayers: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      if (specifier.startsWith('@tensorflow/tfjs-layers')) importsLayers.push(path.relative(__dirname, file));
      if (specifier.startsWith('.')) visit(`${path.resolve(path.dirname(file), specifier)}.ts`);
    }
  };
  visit(path.join(__dirname, 'index.ts'));
  expect(seen.size).toBeGreaterThan(20);
  expect(importsLayers).toEqual([]);
});
