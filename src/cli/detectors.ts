import type { Detector } from '../audit';

/** The detectors that run after code matching, in order. Filled in as each detector lands. */
export function defaultDetectors(_signatureDirs: string[]): Detector[] {
  return [];
}
