export { Continue, Complete, skipTo } from './phases/outcomes.js';
export { phase, chain } from './phases/phase.js';
export { group } from './phases/group.js';
export { defineJob } from './phases/defineJob.js';
export { PhaseError, FatalError, NonFatalError, PausedError, CancelledError } from './phases/PhaseError.js';
export { compileJob } from './machines/compileJob.js';
export { runJob } from './machines/runJob.js';
export { resumeJob } from './machines/resumeJob.js';
