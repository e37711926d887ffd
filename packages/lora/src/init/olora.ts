/**
 * OLoRA (Büyükakyüz 2024): the adapter starts from a QR decomposition of W,
 * B = Q[:, :r] (orthonormal columns) and A = R[:r], and the base keeps
 * W - s B A. Orthonormal starting directions make early training better
 * conditioned.
 */
import { qr } from '../linalg/qr';
import { columns, rowsOf } from '../linalg/matrix';
import { factorsWithResidual, readWeight } from './pissa';
import type { LoraInitScheme } from './scheme';

export const oloraInit: LoraInitScheme = {
  name: 'olora',
  rewritesBaseWeight: true,
  initialize(t) {
    const weight = readWeight(t);
    const { q, r } = qr(weight);
    return factorsWithResidual(weight, rowsOf(r, 0, t.r), columns(q, 0, t.r), t.scaling);
  },
};
