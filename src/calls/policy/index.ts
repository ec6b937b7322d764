/** Pure calling policies: no I/O, no clock (time is a parameter), safe to import from workflows. */
export * from './business-hours';
export * from './call-quota';
export * from './durations';
export * from './permission-requests';
export * from './permission-state';
export * from './routing';
