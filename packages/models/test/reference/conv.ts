/** Convolution and pooling by plain loops over NHWC arrays, for tests. */
export type Image = number[][][]; // [h][w][c]

export interface RefConvOptions {
  stride: [number, number];
  dilation: [number, number];
  /** [top, bottom, left, right] zero padding. */
  pad: [number, number, number, number];
}

/** weight [out][in][kh][kw] as PyTorch stores it. */
export function conv2dRef(x: Image, weight: number[][][][], bias: number[] | undefined, o: RefConvOptions): Image {
  const [kh, kw] = [weight[0][0].length, weight[0][0][0].length];
  const [h, w] = [x.length, x[0].length];
  const outH = Math.floor((h + o.pad[0] + o.pad[1] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const outW = Math.floor((w + o.pad[2] + o.pad[3] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  const out: Image = [];
  for (let i = 0; i < outH; i++) {
    out.push([]);
    for (let j = 0; j < outW; j++) {
      out[i].push(
        weight.map((filters, oc) => {
          let sum = bias?.[oc] ?? 0;
          filters.forEach((kernel, ic) => {
            for (let a = 0; a < kh; a++) {
              for (let b = 0; b < kw; b++) {
                const y = i * o.stride[0] + a * o.dilation[0] - o.pad[0];
                const z = j * o.stride[1] + b * o.dilation[1] - o.pad[2];
                if (y >= 0 && y < h && z >= 0 && z < w) sum += x[y][z][ic] * kernel[a][b];
              }
            }
          });
          return sum;
        }),
      );
    }
  }
  return out;
}

/** TensorFlow's 'same' padding: output ceil(in / stride), the odd pixel of padding at the end. */
export function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export function maxPoolRef(x: Image, size: number): Image {
  const out: Image = [];
  for (let i = 0; i + size <= x.length; i += size) {
    const row: number[][] = [];
    for (let j = 0; j + size <= x[0].length; j += size) {
      row.push(x[0][0].map((_, c) => Math.max(...[...Array(size * size)].map((__, n) => x[i + Math.floor(n / size)][j + (n % size)][c]))));
    }
    out.push(row);
  }
  return out;
}
