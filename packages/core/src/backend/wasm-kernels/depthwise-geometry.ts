/** Shared geometry of the two depthwise-conv backprop kernels (NHWC, filter [fh, fw, inC, multiplier]). */
import * as tf from '@tensorflow/tfjs-core';

export interface DepthwiseGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  multiplier: number;
  fh: number;
  fw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  top: number;
  left: number;
}

export function depthwiseGeometry(
  inputShape: number[],
  filterShape: number[],
  attrs: Pick<tf.DepthwiseConv2dNativeBackpropInputAttrs, 'strides' | 'dilations' | 'pad' | 'dimRoundingMode'>,
): DepthwiseGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    multiplier: info.outChannels / info.inChannels,
    fh: info.filterHeight,
    fw: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * Calls `visit(xBase, dyBase, wBase)` for every (batch, output pixel, filter tap)
 * whose input pixel lies inside x: the flat offsets of x[b, ih, iw, 0],
 * dy[b, oh, ow, 0] and w[kh, kw, 0, 0]. Channels are left to the caller's inner loop.
 */
export function forEachTap(g: DepthwiseGeometry, visit: (xBase: number, dyBase: number, wBase: number) => void): void {
  const outC = g.inC * g.multiplier;
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let kh = 0; kh < g.fh; kh++) {
        const ih = oh * g.strideH + kh * g.dilationH - g.top;
        if (ih < 0 || ih >= g.inH) continue;
        for (let ow = 0; ow < g.outW; ow++) {
          const dyBase = ((b * g.outH + oh) * g.outW + ow) * outC;
          for (let kw = 0; kw < g.fw; kw++) {
            const iw = ow * g.strideW + kw * g.dilationW - g.left;
            if (iw < 0 || iw >= g.inW) continue;
            visit(((b * g.inH + ih) * g.inW + iw) * g.inC, dyBase, (kh * g.fw + kw) * outC);
          }
        }
      }
    }
  }
}
