export { type SnapshotPosition, snapshotPosition } from '../phases/snapshotPosition.js';
