/**
 * The contract rules the dashboard applies too, so that its hints say what the gateway will check.
 * This is the only module of src/ the browser bundle reaches, through the package's `#contract/browser`
 * import (package.json `imports`): it and what it imports stay pure data and functions, with no Node
 * built-in and no package (test/contract/browser-entry.spec.ts checks it, and `tsc -p dashboard`,
 * which has no Node types, fails on a Node import).
 */
export { describeLimit, satisfiesLimit, type NumericLimit } from './hyperparameter-limits.js';
