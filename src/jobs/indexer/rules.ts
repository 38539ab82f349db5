import { gitignoreVerdict, type IgnorePattern } from './gitignore.js';

/** Which entries the indexer leaves out. */
export interface IndexerRules {
  /** Skip names starting with a dot. */
  readonly hidden?: boolean;
  /** Skip OS clutter: .DS_Store, Thumbs.db, desktop.ini, $RECYCLE.BIN, lost+found and the like. */
  readonly system?: boolean;
  /** Skip `.git` directories. */
  readonly git?: boolean;
  /** Skip what `.gitignore` files in the tree ignore. */
  readonly gitignore?: boolean;
  /** Skip dependency and build directories: node_modules, target, __pycache__, .venv, build caches. */
  readonly devDirs?: boolean;
  /** Record only image files (directories are still walked). */
  readonly onlyImages?: boolean;
}

/** The rules used when none are given: OS clutter and `.git` left out, everything else indexed. */
export const DEFAULT_RULES: Required<IndexerRules> = {
  hidden: false,
  system: true,
  git: true,
  gitignore: false,
  devDirs: false,
  onlyImages: false,
};

/** Names of the rules, as the CLI's `--rules` takes them. */
export const RULE_NAMES = ['hidden', 'system', 'git', 'gitignore', 'devDirs', 'onlyImages'] as const;

const SYSTEM = new Set([
  '.DS_Store',
  '.AppleDouble',
  '.Spotlight-V100',
  '.Trashes',
  '.fseventsd',
  '.TemporaryItems',
  'Thumbs.db',
  'ehthumbs.db',
  'desktop.ini',
  '$RECYCLE.BIN',
  'System Volume Information',
  'lost+found',
]);

const DEV_DIRS = new Set([
  'node_modules',
  'bower_components',
  'target',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  '.gradle',
  '.next',
  '.nuxt',
  '.turbo',
  '.parcel-cache',
  '.cache',
  '.angular',
  '.svelte-kit',
]);

/** Extensions counted as images by the `onlyImages` rule and by deep mode. */
export const IMAGE_EXTENSIONS = new Set([
  'jpg',
  'jpeg',
  'png',
  'gif',
  'webp',
  'bmp',
  'tif',
  'tiff',
  'heic',
  'heif',
  'avif',
  'svg',
  'ico',
  'dng',
  'cr2',
  'cr3',
  'nef',
  'arw',
  'orf',
  'rw2',
  'raf',
]);

/**
 * Why an entry is left out, or `null` to index it. `name` is the decoded file name, `relPath` the path from
 * the location root, `ignores` the .gitignore patterns in force, innermost last, each with the relative path
 * of its directory.
 */
export function ruleVerdict(
  rules: Required<IndexerRules>,
  name: string,
  relPath: string,
  kind: 'file' | 'dir' | 'symlink',
  extension: string | null,
  ignores: readonly { base: string; patterns: readonly IgnorePattern[] }[],
): string | null {
  if (rules.hidden && name.startsWith('.')) return 'hidden';
  if (rules.system && SYSTEM.has(name)) return 'system';
  if (rules.git && kind === 'dir' && name === '.git') return 'git';
  if (rules.devDirs && kind === 'dir' && DEV_DIRS.has(name)) return 'devDirs';
  if (rules.gitignore && ignores.length) {
    for (let i = ignores.length - 1; i >= 0; i--) {
      const { base, patterns } = ignores[i];
      const rel = base === '' ? relPath : relPath.slice(base.length + 1);
      const verdict = gitignoreVerdict(patterns, rel, kind === 'dir');
      if (verdict !== undefined) {
        if (verdict) return 'gitignore';
        break;
      }
    }
  }
  if (rules.onlyImages && kind !== 'dir' && !(extension && IMAGE_EXTENSIONS.has(extension)))
    return 'onlyImages';
  return null;
}

/**
 * For rules that look at the name alone (hidden, system, git, devDirs, with neither gitignore nor onlyImages on):
 * a test on a name's bytes that is false only when no rule can leave the name out, so a walk decodes just the
 * few names that could match. Every name those rules match is ASCII, and a name that decodes to an ASCII string
 * is those very bytes (an invalid byte decodes to U+FFFD), so the rule names' byte length and first byte say
 * which names could be one of them; a name starting with "." could be hidden. `undefined` when a rule needs
 * every name (gitignore, onlyImages).
 */
export function nameRulesPrefilter(
  rules: Required<IndexerRules>,
): ((names: Uint8Array, start: number, end: number) => boolean) | undefined {
  if (rules.gitignore || rules.onlyImages) return undefined;
  const candidates = new Set<number>();
  const add = (name: string) => candidates.add(name.length * 256 + name.charCodeAt(0));
  if (rules.system) for (const name of SYSTEM) add(name);
  if (rules.git) add('.git');
  if (rules.devDirs) for (const name of DEV_DIRS) add(name);
  const DOT = 0x2e;
  const hidden = rules.hidden;
  return (names, start, end) =>
    end > start && ((hidden && names[start] === DOT) || candidates.has((end - start) * 256 + names[start]));
}

/** Parse `--rules hidden,gitignore,-system` style lists on top of the defaults. */
export function parseRules(list: string | readonly string[] | undefined): Required<IndexerRules> {
  const rules: Record<string, boolean> = { ...DEFAULT_RULES };
  const items = typeof list === 'string' ? list.split(',') : (list ?? []);
  for (const raw of items) {
    const item = raw.trim();
    if (!item) continue;
    const off = item.startsWith('-') || item.startsWith('no-');
    const name = item.replace(/^-|^no-/, '');
    const key = RULE_NAMES.find((r) => r.toLowerCase() === name.toLowerCase() || kebab(r) === name);
    if (!key)
      throw new RangeError(
        `Unknown indexer rule "${item}". Rules: ${RULE_NAMES.join(', ')} (prefix with - to turn one off).`,
      );
    rules[key] = !off;
  }
  return rules as Required<IndexerRules>;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
