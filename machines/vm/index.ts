export { vmMachine } from './machine.js';
export type { VmMachine } from './machine.js';
export { provideVmMachine, createVmSteps, vmActions } from './actors.js';
export type { VmPorts, VmOptions } from './actors.js';
export type { VmEvent, VmInput, VmContext, StepInput, ReleaseInput, ReleaseOutput } from './events.js';
export { STEP, toFailure, failureText, failureFromText } from './steps.js';
export type { VmFailure, StepName } from './steps.js';
export { releaseKey, pushRelease, handlesFromReleases, mirrorFromReleases, releasesFromHandles } from './releases.js';
export type { Release, ReleaseKind } from './releases.js';
