/** Data a component shows that comes from the API: still loading, failed (the message says why), or here. */
export type Loaded<T> = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; value: T };
