// This module is browser compatible.
/**
 * RxJS 7 operators that carry decoded pairs through encoding, memory-bank
 * update, prototype assignment and the recalibrated loss.
 *
 * @module
 */
export {};
