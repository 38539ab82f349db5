import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { PhaseContext } from '../../../phases/types.js';
import type { Library } from '../../library/Library.js';
import { chunkGroups, dropLists, handOver, listsLibrary, readList, writeList } from '../fileLists.js';
import { packGroups, unpackGroups } from '../packFiles.js';
import type {
  CandidateFile,
  CandidateGroup,
  DuplicateMode,
  DuplicatesDeps,
  DuplicatesInput,
  DuplicatesState,
} from '../types.js';

/**
 * Group the collected files by size (and name, in `name-and-size` mode), fold hard links to one inode into one
 * file (its other paths listed apart), and keep the groups that still have two files or more. In `size` and
 * `name-and-size` modes these are the answer; in `content` and `deep` modes they are analysis' work list,
 * checkpointed at the end of this phase so a resume never groups again.
 *
 * Collect now groups as it ends ({@link groupCandidates}, written with its own checkpoint: one list written,
 * not two), and this phase then has nothing to do; it still groups a checkpoint of an earlier version, whose
 * collect left a list of collected files.
 */
export const groupBySize = phase<DuplicatesState, DuplicatesInput, DuplicatesDeps>({
  name: 'group-by-size',
  async execute(ctx) {
    const { state, input } = ctx;
    const mode = input.mode ?? 'content';
    const library = state.lists ? listsLibrary(ctx.deps) : undefined;
    if (library ? state.lists!.collected === 0 : state.collected === null) {
      // Collect grouped the files itself (it does since session 4: the groups are written with its
      // checkpoint, and no collected list at all); or resumed after this phase's own checkpoint, the groups
      // written and the collected list counted no more. Nothing to redo.
      if (library) dropLists(library, ctx.jobId, 'collected');
      return Continue;
    }
    const collected = library
      ? readList(library, ctx.jobId, 'collected', state.lists!.collected).flatMap((g) => g.files)
      : state.collected
        ? unpackGroups(state.collected)[0].files
        : [];
    const groups = groupCandidates(collected, mode, state);
    state.collected = null;
    ctx.reportProgress({ message: `${groups.length} groups of the same size` });
    if (library) {
      await commitGroups(ctx, library, groups, mode);
      // The checkpoint just written no longer counts the collected files.
      dropLists(library, ctx.jobId, 'collected');
      return Continue;
    }
    keepGroups(state, groups, mode);
    return Continue;
  },
  async onFailure(ctx) {
    dropLists(ctx.deps?.library, ctx.jobId);
  },
});

/**
 * Group files by size (and name, in `name-and-size` mode), fold hard links to one inode into one file (its
 * other paths listed in `links` and in `state.hardLinks`), keep the groups of two inodes or more, largest
 * size first (the bytes that matter most are found first, and progress by files stays honest).
 */
export function groupCandidates(
  collected: readonly CandidateFile[],
  mode: DuplicateMode,
  state: DuplicatesState,
): CandidateGroup[] {
  const byKey = new Map<string | number, CandidateFile[]>();
  for (const f of collected) {
    const key =
      mode === 'name-and-size' ? `${f.size}/${Buffer.from(baseName(f.path)).toString('latin1')}` : f.size;
    let list = byKey.get(key);
    if (list === undefined) {
      list = [];
      byKey.set(key, list);
    }
    list.push(f);
  }
  return groupsOf(byKey.values(), state);
}

/**
 * The groups of lists of files that share a key (a size, or a size and a name), each list in the order its
 * files were found: hard links folded, the lists of two inodes or more kept, largest size first.
 */
export function groupsOf(lists: Iterable<CandidateFile[]>, state: DuplicatesState): CandidateGroup[] {
  const groups: CandidateGroup[] = [];
  for (const list of lists) {
    if (list.length < 2) continue;
    const files = foldHardLinks(list, state);
    if (files.length >= 2) groups.push({ size: files[0].size, files });
  }
  groups.sort((a, b) => b.size - a.size);
  return groups;
}

/** Whether a mode's answer is the groups themselves (no contents compared). */
export const answeredByGroups = (mode: DuplicateMode) => mode === 'size' || mode === 'name-and-size';

/**
 * Write the groups to the library with a forced checkpoint that counts them (analysis' work list, or the
 * answer in `size` and `name-and-size` modes) and hand them over in memory to the next phase. Counts no
 * collected list any more.
 */
export async function commitGroups(
  ctx: PhaseContext<DuplicatesState, DuplicatesInput, DuplicatesDeps>,
  library: Library,
  groups: CandidateGroup[],
  mode: DuplicateMode,
): Promise<void> {
  const { state } = ctx;
  const chunks = chunkGroups(groups);
  const answer = answeredByGroups(mode);
  state.lists = { collected: 0, pending: answer ? 0 : chunks.length, done: answer ? chunks.length : 0 };
  state.cursor = 0;
  state.groupFiles = answer ? 0 : groups.reduce((n, g) => n + g.files.length, 0);
  state.doneFiles = 0;
  await ctx.checkpoint({
    force: true,
    atomicWith: () => writeList(library, ctx.jobId, answer ? 'done' : 'pending', chunks),
  });
  handOver(library, ctx.jobId, answer ? 'done' : 'pending', chunks.length, groups);
}

/** Without a library: the groups packed into the state (analysis' work list, or the answer). */
export function keepGroups(state: DuplicatesState, groups: CandidateGroup[], mode: DuplicateMode): void {
  state.collected = null;
  if (answeredByGroups(mode)) {
    state.done = [packGroups(groups)];
  } else {
    state.pending = packGroups(groups);
    state.cursor = 0;
    state.groupFiles = groups.reduce((n, g) => n + g.files.length, 0);
    state.doneFiles = 0;
  }
}

/** One file per inode: the first path (in byte order) stands for it, the others become its `links`. */
function foldHardLinks(list: CandidateFile[], state: DuplicatesState): CandidateFile[] {
  // Files of one size on one device almost never share an inode: check before paying for a sort.
  if (!mayShareInode(list)) return list;
  list.sort((a, b) => Buffer.compare(a.path, b.path));
  const byInode = new Map<string, CandidateFile>();
  const out: CandidateFile[] = [];
  for (const f of list) {
    const key = `${f.dev}:${f.ino}`;
    const first = byInode.get(key);
    if (first === undefined) {
      byInode.set(key, f);
      out.push(f);
    } else {
      first.links = [...(first.links ?? []), f.path];
    }
  }
  for (const f of out) if (f.links) state.hardLinks.push({ size: f.size, paths: [f.path, ...f.links] });
  return out;
}

/**
 * Whether two files of `list` may be one inode: the same key of inode and device seen twice. The key can
 * collide (devices 4,096 apart, inodes beyond 2^40); then the list is sorted and folded exactly, as ever.
 */
function mayShareInode(list: readonly CandidateFile[]): boolean {
  const n = list.length;
  if (n <= 8) {
    // Most groups are a few files: their keys compared pairwise, no set.
    for (let i = 1; i < n; i++) {
      const key = inodeKey(list[i]);
      for (let j = 0; j < i; j++) if (inodeKey(list[j]) === key) return true;
    }
    return false;
  }
  const inodes = new Set<number>();
  for (const f of list) {
    const before = inodes.size;
    inodes.add(inodeKey(f));
    if (inodes.size === before) return true;
  }
  return false;
}

const inodeKey = (f: CandidateFile) => f.ino * 4096 + (f.dev % 4096);

function baseName(path: Uint8Array): Uint8Array {
  const slash = path.lastIndexOf(0x2f);
  return path.subarray(slash + 1);
}
