// Entry of a token-pool worker when the gateway runs from TypeScript source (tsx, vitest): worker
// threads do not inherit the parent's loader, so register tsx here, then load the worker module.
// A compiled build loads count-worker.js directly and never uses this file (see token-pool.ts).
import { register } from 'tsx/esm/api';

register();
const { default: countRows } = await import('./count-worker.ts');
export default countRows;
