import tseslint from 'typescript-eslint';

export default tseslint.config(
  // console/: a browser app with its own tsconfig (DOM, Preact JSX) and its own lint.
  { ignores: ['dist/**', 'node_modules/**', 'src/whatsapp/generated/**', 'workflow-bundle.js', '**/*.js', '**/*.mjs', 'console/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests and scripts read arbitrary JSON responses; typing each one would add noise, not safety.
    files: ['test/**/*.ts', '**/*.spec.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no Node built-ins, no clients,
    // only @temporalio/workflow, other workflow files and type-only imports.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Node built-ins are not deterministic: do this in an activity.' },
            {
              regex: '^(?!@temporalio/workflow$|@temporalio/common$|\\./|\\.\\./activities$|\\.\\./src/calls/policy(/|$))',
              message: 'Workflows import only @temporalio/workflow, other workflow files, pure policy modules and types.',
              allowTypeImports: true,
            },
            { regex: '^\\.\\./activities$', message: 'Import activities type-only.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
