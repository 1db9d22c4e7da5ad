// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Which top-level folders each runtime folder must not import: `core/` is shared by both sides and
 * knows neither; the Lambdas (`functions/`) and the container (`agent-task/`) meet only in `core/`;
 * nothing that runs imports the deployment (`cdk/`). test/unit/lint/boundaries.test.ts proves it.
 */
const FORBIDDEN_IMPORTS = {
  core: ['functions', 'agent-task', 'cli', 'cdk'],
  functions: ['agent-task', 'cdk'],
  'agent-task': ['functions', 'cdk'],
  cli: ['cdk'],
};

const boundaries = Object.entries(FORBIDDEN_IMPORTS).map(([folder, forbidden]) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((other) => ({
          // A relative path that climbs out of the folder and into the other one.
          regex: `^(\\.\\./)+${other}(/|$)`,
          message: `${folder}/ must not import ${other}/: share it through core/ (README, Development).`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', '.data/', 'bench/results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...boundaries,
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
