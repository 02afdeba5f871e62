// This module is browser compatible.

/** Compares strings by UTF-16 code units (Python's `sorted` order on ASCII names). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
