/** `base`, or `base_1`, `base_2`, ... if taken; the name returned is added to `taken`. */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** A module or parameter name core accepts (letters, digits, '_', '-') for a tfjs layer or weight name. */
export function moduleName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_') || 'layer';
}
