/**
 * phasekit — long-running, resumable, phased jobs on XState v5.
 *
 * - Define phases with {@link phase} and a job with {@link defineJob}; a phase returns {@link Continue},
 *   {@link Complete} or {@link skipTo}, or throws one of the {@link PhaseError} classes.
 * - {@link compileJob} turns the job into a plain XState machine; {@link runJob} runs it with checkpoints in a
 *   {@link SnapshotStore} and progress as RxJS observables; {@link resumeJob} continues from the last
 *   checkpoint after a pause, crash or kill.
 * - Stores: {@link MemoryStore}, {@link FileStore}; `SqliteStore` (the embedded default) is in `phasekit/sqlite`,
 *   the file jobs in `phasekit/jobs`, so this entry loads no native module.
 * - {@link toMermaid} draws a job's machine; `phasekit/testing` walks its paths in tests.
 *
 * @packageDocumentation
 */
export { Continue, Complete, skipTo } from './phases/outcomes.js';
export { phase, chain } from './phases/phase.js';
export type { ChainablePhase, PhaseChain } from './phases/phase.js';
export { group } from './phases/group.js';
export { defineJob } from './phases/defineJob.js';
export type { JobDefinition, JobDefinitionWithDeps, PhaseInfo } from './phases/defineJob.js';
export { depsType } from './phases/depsType.js';
export { jobPhases } from './phases/jobPhases.js';
export { JobDefinitionError } from './phases/JobDefinitionError.js';
export { PhaseError, FatalError, NonFatalError, PausedError, CancelledError } from './phases/PhaseError.js';
export type { PhaseErrorKind, PhaseErrorOptions } from './phases/PhaseError.js';
export { toError } from './phases/toError.js';
export { backoffDelay } from './phases/backoffDelay.js';
export type {
  AtomicOperation,
  Backoff,
  CheckpointOptions,
  Clock,
  CompleteOutput,
  ContinueOutput,
  DepsType,
  ErrorRecord,
  JobConfig,
  JobPhaseFactory,
  Logger,
  Phase,
  PhaseContext,
  PhaseExecution,
  PhaseGroup,
  PhaseNode,
  PhaseOutput,
  PhaseStatus,
  ProgressUpdate,
  RecoveryPolicy,
  SkipToOutput,
  SnapshotMigration,
  MigratingCheckpoint,
  CheckpointPosition,
} from './phases/types.js';

export { compileJob } from './machines/compileJob.js';
export type { JobMachine } from './machines/compileJob.js';
export { runJob } from './machines/runJob.js';
export type { DepsFlag, RunJobArgs, RunOptions } from './machines/runJob.js';
export { resumeJob } from './machines/resumeJob.js';
export type { ResumeOptions, ResumeOptionsFor } from './machines/resumeJob.js';
export { provideRuntime } from './machines/provideRuntime.js';
export type { ProvidedJob } from './machines/provideRuntime.js';
export { JobRun } from './machines/JobRun.js';
export type { JobResult } from './machines/JobRun.js';
export type { StopReason } from './machines/JobRuntime.js';
export { JobRuntime } from './machines/JobRuntime.js';
export type { RuntimeOptions } from './machines/JobRuntime.js';
export type { JobEvent, JobProgress } from './machines/JobProgress.js';
export type {
  JobMachineContext,
  JobMachineInput,
  JobMachineOutput,
  JobMachineEvent,
  JobControlEvent,
  JobRuntimeEvent,
} from './machines/types.js';
export { MissingRuntimeError } from './machines/MissingRuntimeError.js';
export { snapshotPosition } from './machines/snapshotPosition.js';
export { toMermaid } from './machines/toMermaid.js';
export type { MermaidOptions } from './machines/toMermaid.js';

export { ENVELOPE_FORMAT } from './persistence/Envelope.js';
export type { Envelope, EnvelopeProgress } from './persistence/Envelope.js';
export { encodeEnvelope } from './persistence/encodeEnvelope.js';
export { decodeEnvelope } from './persistence/decodeEnvelope.js';
export { peekEnvelope } from './persistence/peekEnvelope.js';
export { SnapshotCorruptError } from './persistence/SnapshotCorruptError.js';
export { JobVersionError } from './persistence/JobVersionError.js';
export type { GroupChange, PhaseChange } from './persistence/JobVersionError.js';
export { JobMismatchError } from './persistence/JobMismatchError.js';
export { JobNotFoundError } from './persistence/JobNotFoundError.js';
export { LeaseLostError } from './persistence/LeaseLostError.js';
export { JobLockedError } from './persistence/JobLockedError.js';
export { SnapshotMigrationError } from './persistence/SnapshotMigrationError.js';
export { MemoryStore } from './persistence/stores/MemoryStore.js';
export type { MemoryStoreOptions } from './persistence/stores/MemoryStore.js';
export { FileStore } from './persistence/stores/FileStore.js';
export type { FileStoreOptions } from './persistence/stores/FileStore.js';
export { FileLockTimeoutError } from './persistence/stores/FileLockTimeoutError.js';
export type {
  AcquireOptions,
  ControlRequest,
  JobMeta,
  JobRecord,
  JobStatus,
  Lease,
  LeaseOwner,
  LeaseRenewal,
  ListFilter,
  SaveOptions,
  SnapshotStore,
  StoredJob,
} from './persistence/types.js';

export { systemClock } from './adapters/systemClock.js';

export { createJobManager } from './manager/createJobManager.js';
export type {
  DispatchOptions,
  InterruptedJob,
  JobManager,
  JobManagerOptions,
  ManagedJob,
  ManagedJobRecord,
  ManagedListFilter,
  ShutdownOptions,
} from './manager/types.js';
export { UnknownJobError } from './manager/UnknownJobError.js';
export { DuplicateJobNameError } from './manager/DuplicateJobNameError.js';
export { JobExistsError } from './manager/JobExistsError.js';
export { JobManagerClosedError } from './manager/JobManagerClosedError.js';
export { createWorker } from './manager/createWorker.js';
export { enqueue, requeue } from './manager/enqueue.js';
export type { EnqueueOptions } from './manager/enqueue.js';
export { UnsharedStoreError } from './manager/UnsharedStoreError.js';
export type { NotifyingStore, Worker, WorkerEvent, WorkerOptions } from './manager/workerTypes.js';
export { JobEndedError } from './machines/JobEndedError.js';
export { JobStoppedError } from './machines/JobStoppedError.js';
export { JobChangedError } from './machines/JobChangedError.js';
export { EmbeddedResumeError } from './machines/EmbeddedResumeError.js';
export { RuntimeBusyError } from './machines/RuntimeBusyError.js';
export { checkResumable } from './machines/checkResumable.js';
export type { ResumableCheck } from './machines/checkResumable.js';
export { renamePhase } from './persistence/renamePhase.js';
export { SnapshotEncodeError } from './persistence/SnapshotEncodeError.js';
export { SchemaVersionError } from './persistence/SchemaVersionError.js';
export { InvalidJobIdError } from './persistence/InvalidJobIdError.js';
export type { DecodeExpectation } from './persistence/decodeEnvelope.js';
export type { EnvelopeIdentity } from './persistence/peekEnvelope.js';
