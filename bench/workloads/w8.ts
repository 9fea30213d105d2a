/** W8 scaling: W2 at 1x, 2x and 4x the data; linear scaling gives time ratios 2.0 and 4.0. */
export const SCALES = [1, 2, 4] as const;

export { wordCount } from './w2.js';
