// @ts-check
/**
 * Lint rules, run by `npm test` (`npm run lint`). Prettier owns the layout; ESLint owns correctness
 * and the function-length budget below.
 */
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The budget: a function of the product (src, dashboard, bench, scripts) holds at most 80 lines of
 * code, blank lines and comments aside. A longer one is split, or named here with the reason it stays.
 * Specs are exempt: a `describe` callback is a list of cases, not logic.
 */
const FUNCTION_LINES = 80;

/** Functions over the budget that stay, each with why. */
/** @type {Array<{ file: string; why: string }>} */
const OVER_BUDGET = [];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'dashboard/src/gql/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Control characters are what the id/name guards exist to refuse.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'dashboard/src/**/*.{ts,tsx}', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs}'],
    rules: {
      'max-lines-per-function': [
        'error',
        { max: FUNCTION_LINES, skipBlankLines: true, skipComments: true, IIFEs: true },
      ],
    },
  },
  ...OVER_BUDGET.map(({ file }) => ({ files: [file], rules: { 'max-lines-per-function': 'off' } })),
  {
    files: ['test/**/*.ts'],
    rules: {
      // Specs read untyped GraphQL answers: `any` is the honest type of `response.data` there.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['dashboard/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    // Every recommended rule as an error, exhaustive-deps included: a warning would not fail `npm test`.
    rules: Object.fromEntries(Object.keys(reactHooks.configs.recommended.rules).map((rule) => [rule, 'error'])),
  },
);
