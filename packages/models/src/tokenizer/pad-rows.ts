/** Rows of ids padded to one length, with transformers' attention mask (1: token, 0: padding). */
export interface BatchEncoding {
  readonly inputIds: number[][];
  readonly attentionMask: number[][];
}

export interface PadOptions {
  readonly padTokenId: number;
  /** Left padding keeps every row's last token in the last column, which is what generation from a batch needs. */
  readonly side: 'left' | 'right';
  /** Pad to this length (rows are never longer); default the longest row. */
  readonly length?: number;
}

export function padRows(rows: readonly (readonly number[])[], options: PadOptions): BatchEncoding {
  const length = options.length ?? rows.reduce((longest, row) => Math.max(longest, row.length), 0);
  const inputIds: number[][] = [];
  const attentionMask: number[][] = [];
  for (const row of rows) {
    const padding = new Array<number>(length - row.length).fill(options.padTokenId);
    const zeros = new Array<number>(length - row.length).fill(0);
    const ones = new Array<number>(row.length).fill(1);
    inputIds.push(options.side === 'left' ? [...padding, ...row] : [...row, ...padding]);
    attentionMask.push(options.side === 'left' ? [...zeros, ...ones] : [...ones, ...zeros]);
  }
  return { inputIds, attentionMask };
}
