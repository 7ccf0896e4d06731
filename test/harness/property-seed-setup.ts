/** A vitest setup file: every property test of this worker runs on the run's seed (see property-seed.ts). */
import fc from 'fast-check';
import { chooseSeed } from './property-seed.js';

fc.configureGlobal({ seed: chooseSeed(process.env['FC_SEED']) });
