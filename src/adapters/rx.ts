/**
 * The few RxJS classes phasekit uses, imported from their own modules: the `rxjs` barrel evaluates every
 * operator of the library (~110 ms here), which `import('phasekit')` must not pay. These are the very classes the
 * barrel exports (Node resolves both to RxJS's CommonJS build), so users' operators work on them unchanged.
 */
export { Observable } from 'rxjs/internal/Observable';
export { ReplaySubject } from 'rxjs/internal/ReplaySubject';
export { Subject } from 'rxjs/internal/Subject';
export type { Subscription } from 'rxjs/internal/Subscription';
