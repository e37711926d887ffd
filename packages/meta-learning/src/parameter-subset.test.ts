import { NotFoundError, freeze, unfreeze } from '@peftjs/core';
import { onBackend, tinyMlp } from '../test/helpers';
import { EmptyParameterSubsetError } from './errors';
import { selectParameters } from './parameter-subset';

beforeAll(() => onBackend('cpu'));

const paths = (selected: Array<[string, unknown]>) => selected.map(([p]) => p);

test('selects by default the trainable parameters, or by paths, module prefixes, globs, RegExps and predicates', () => {
  const model = tinyMlp();
  expect(paths(selectParameters(model))).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  freeze(model);
  unfreeze(model, '2');
  expect(paths(selectParameters(model))).toEqual(['2.weight', '2.bias']);
  expect(paths(selectParameters(model, '0'))).toEqual(['0.weight', '0.bias']);
  expect(paths(selectParameters(model, ['2.bias', '0.weight']))).toEqual(['0.weight', '2.bias']);
  expect(paths(selectParameters(model, '*.bias'))).toEqual(['0.bias', '2.bias']);
  expect(paths(selectParameters(model, /weight$/))).toEqual(['0.weight', '2.weight']);
  expect(paths(selectParameters(model, (path, p) => path.startsWith('0') && p.size === 3))).toEqual(['0.bias']);
  model.dispose();
});

test('an empty selection or an unknown name is a typed error', () => {
  const model = tinyMlp();
  expect(() => selectParameters(model, [])).toThrow(EmptyParameterSubsetError);
  expect(() => selectParameters(model, () => false)).toThrow(EmptyParameterSubsetError);
  expect(() => selectParameters(model, '2.wieght')).toThrow(NotFoundError);
  expect(() => selectParameters(model, '2.wieght')).toThrow(/Closest names: 2\.weight/);
  expect(() => selectParameters(model, ['2', 'head'])).toThrow(NotFoundError);
  freeze(model);
  expect(() => selectParameters(model)).toThrow(/all 4 parameter\(s\) are frozen/);
  model.dispose();
});
