export { createStandinDriver, isAlive, STANDIN_MARKER } from './driver.js';
export type { StandinDriver, StandinOptions, StandinBehaviour, StandinStep } from './driver.js';
