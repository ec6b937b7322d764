import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/whatsapp/generated/**', 'console/src/api/schema.d.ts', 'workflow-bundle.js', '**/*.js', '**/*.mjs'] },
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
    // The agents' console (browser code, its own console/tsconfig.json). The token must never
    // reach a URL: EventSource can only carry it in the query string, so the stream is read with fetch.
    files: ['console/**/*.ts', 'console/**/*.tsx'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'EventSource', message: 'EventSource puts the token in the URL: read /v1/events with fetch (console/src/api/events.ts).' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "Literal[value=/access_token/]", message: 'The token travels only in the Authorization header.' },
      ],
    },
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
