export type * from './types.js';
export { loadConfig, defaultConfig, configFrom, envNameFor, leafPaths, type LoadOptions } from './load.js';
export { configSpec } from './spec.js';
export { redactedConfig } from './redact.js';
export { configOptions, configFromArgs, configHelp, type ConfigArgs } from './cli-options.js';
