// Entry of the simulator's counting thread when it runs from TypeScript source (tsx, vitest): worker
// threads do not inherit the parent's loader, so register tsx here, then load the worker module.
// A compiled build starts row-counter-worker.js directly (see row-counter.ts).
import { register } from 'tsx/esm/api';

register();
await import('./row-counter-worker.ts');
