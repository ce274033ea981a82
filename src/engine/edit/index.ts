export { edit } from './edit';
export { maskFromRgba } from './mask';
export { POOR_VQ_PSNR, type VqRoundTrip } from './fidelity';
export { MAX_EDIT_SIDE, DEFAULT_STRENGTH, EMPTY_MASK_MESSAGE } from './request';
