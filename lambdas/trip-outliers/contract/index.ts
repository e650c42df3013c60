/**
 * Contract of the trip-outlier analysis, shared by the construct (lib/), the handlers and the CLI. Like every
 * `contract` module it imports nothing outside itself: the table's columns and types, the outlier rules, the SQL of
 * every step for both engines, and the names (environment, S3 layout, states, outputs).
 */
export * from './athena';
export * from './names';
export * from './rules';
export * from './schema';
export * from './sql';
