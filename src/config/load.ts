/**
 * Loads the configuration: defaults, then the YAML file, then `KIVER_*` environment
 * variables, then `--set key.path=value` (each later source wins), validated once into a
 * typed, deep-frozen object. Every problem is a ConfigError whose message names the key, the
 * value (never a secret's) and what is allowed.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, isMap, LineCounter } from 'yaml';
import { ConfigError } from '../errors.js';
import { configSpec, type LeafSpec, type SectionSpec, type RulesSpec } from './spec.js';
import type { KiverConfig } from './types.js';
import { nearest } from './nearest.js';

type Plain = Record<string, unknown>;

export interface LoadOptions {
  /** YAML file; null or undefined means defaults only. */
  file?: string | null;
  /** Environment to read `KIVER_*` overrides from (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `key.path=value` overrides, in command-line order. */
  sets?: readonly string[];
}

/** Where a value came from, for error messages. */
type Origin =
  { kind: 'file'; file: string } | { kind: 'env'; name: string } | { kind: 'set' } | { kind: 'object' };

function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case 'file':
      return ` in ${origin.file}`;
    case 'env':
      return ` (from ${origin.name})`;
    case 'set':
      return ' (from --set)';
    case 'object':
      return '';
  }
}

export const ENV_PREFIX = 'KIVER_';

/** The environment variable that overrides a key path, e.g. kafka.brokers -> KIVER_KAFKA__BROKERS. */
export function envNameFor(path: readonly string[]): string {
  return ENV_PREFIX + path.map((p) => p.toUpperCase()).join('__');
}

function isSection(spec: LeafSpec | SectionSpec): spec is SectionSpec {
  return spec.type === 'section';
}

/** Every leaf key path of the spec, e.g. ['kafka', 'sasl', 'password']. */
export function leafPaths(section: SectionSpec = configSpec, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [name, spec] of Object.entries(section.fields)) {
    if (isSection(spec)) out.push(...leafPaths(spec, [...prefix, name]));
    else out.push([...prefix, name]);
  }
  return out;
}

function specAt(path: readonly string[]): LeafSpec | SectionSpec | undefined {
  let spec: LeafSpec | SectionSpec = configSpec;
  for (const part of path) {
    if (!isSection(spec)) return undefined;
    const next: LeafSpec | SectionSpec | undefined = spec.fields[part];
    if (!next) return undefined;
    spec = next;
  }
  return spec;
}

function unknownKeyError(path: readonly string[], origin: Origin): ConfigError {
  const parentPath = path.slice(0, -1);
  const parent = specAt(parentPath);
  const key = path[path.length - 1] ?? '';
  const siblings = parent && isSection(parent) ? Object.keys(parent.fields) : [];
  const suggestion = nearest(key, siblings);
  let suggestionPath = suggestion ? [...parentPath, suggestion].join('.') : null;
  if (!suggestion) {
    // A key put in the wrong section (kafka.checkpoint_dir) is found by its last name.
    const all = leafPaths().map((p) => p.join('.'));
    const byName = all.find((p) => p.endsWith(`.${key}`));
    const fuzzy = nearest(path.join('.'), all);
    suggestionPath = byName ?? fuzzy;
  }
  const shown = origin.kind === 'env' ? origin.name : path.join('.');
  return new ConfigError(
    `Unknown configuration key '${shown}'${describeOrigin(origin)}.`,
    suggestionPath
      ? `Did you mean '${origin.kind === 'env' ? envNameFor(suggestionPath.split('.')) : suggestionPath}'?`
      : `Valid keys here: ${siblings.join(', ')}.`,
  );
}

function badValue(
  path: readonly string[],
  spec: LeafSpec,
  value: unknown,
  allowed: string,
  origin: Origin,
): ConfigError {
  const secret = spec.type === 'string' && spec.secret === true;
  const shown = secret ? '(value hidden)' : JSON.stringify(value);
  return new ConfigError(
    `Invalid value ${shown} for '${path.join('.')}'${describeOrigin(origin)}: expected ${allowed}.`,
  );
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};
const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60000, h: 3600000 };

function parseInteger(value: unknown, spec: Extract<LeafSpec, { type: 'int' }>): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!match) return null;
  const units = spec.unit === 'bytes' ? SIZE_UNITS : spec.unit === 'ms' ? DURATION_UNITS : { '': 1 };
  const factor = units[(match[2] ?? '').toLowerCase()];
  if (factor === undefined) return null;
  const result = Number(match[1]) * factor;
  return Number.isSafeInteger(result) ? result : null;
}

function parseBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0'].includes(v)) return false;
  return null;
}

function intAllowed(spec: Extract<LeafSpec, { type: 'int' }>): string {
  const range = spec.max !== undefined ? `from ${spec.min} to ${spec.max}` : `of at least ${spec.min}`;
  const unit =
    spec.unit === 'bytes'
      ? ' (bytes; units KiB, MiB, GiB allowed)'
      : spec.unit === 'ms'
        ? ' (milliseconds; units s, m, h allowed)'
        : '';
  return `a whole number ${range}${unit}`;
}

/** Validates one leaf value (already typed, from YAML or converted from text). */
function validateLeaf(path: readonly string[], spec: LeafSpec, value: unknown, origin: Origin): unknown {
  switch (spec.type) {
    case 'string': {
      if (value === null || value === undefined) return spec.default;
      if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
      if (typeof value !== 'string') return fail('a string');
      if (spec.enum && !spec.enum.includes(value)) return fail(`one of ${spec.enum.join(', ')}`);
      const problem = spec.check?.(value);
      if (problem) return fail(problem);
      return value;
    }
    case 'int': {
      const n = parseInteger(value, spec);
      if (n === null || n < spec.min || (spec.max !== undefined && n > spec.max))
        return fail(intAllowed(spec));
      return n;
    }
    case 'bool': {
      const b = parseBoolean(value);
      if (b === null) return fail('true or false');
      return b;
    }
    case 'list': {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v.trim() === '')) {
        return fail('a list of non-empty strings');
      }
      if (spec.minItems && list.length < spec.minItems)
        return fail(`a list of at least ${spec.minItems} item(s)`);
      for (const item of list as string[]) {
        const problem = spec.check?.(item);
        if (problem) return fail(`items that are ${problem}`);
      }
      return [...(list as string[])];
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return fail('a map of names to strings');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value as Plain)) {
        if (v === null || typeof v === 'object') return fail('a map of names to strings');
        out[k] = String(v);
      }
      return out;
    }
    case 'rules':
      return validateRules(path, spec, value, origin);
  }
  function fail(allowed: string): never {
    throw badValue(path, spec, value, allowed, origin);
  }
}

function validateRules(path: readonly string[], spec: RulesSpec, value: unknown, origin: Origin): unknown {
  if (!Array.isArray(value)) throw badValue(path, spec, value, 'a list of objects', origin);
  return value.map((item, index) => {
    const itemPath = [...path.slice(0, -1), `${path[path.length - 1]}[${index}]`];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw badValue(
        itemPath,
        spec,
        item,
        `an object with keys ${Object.keys(spec.item).join(', ')}`,
        origin,
      );
    }
    const out: Plain = {};
    for (const key of Object.keys(item as Plain)) {
      if (!(key in spec.item)) {
        const suggestion = nearest(key, Object.keys(spec.item));
        throw new ConfigError(
          `Unknown key '${key}' in '${itemPath.join('.')}'${describeOrigin(origin)}.`,
          suggestion ? `Did you mean '${suggestion}'?` : `Valid keys: ${Object.keys(spec.item).join(', ')}.`,
        );
      }
    }
    for (const [key, leaf] of Object.entries(spec.item)) {
      const raw = (item as Plain)[key];
      out[key] = raw === undefined ? leaf.default : validateLeaf([...itemPath, key], leaf, raw, origin);
    }
    const problem = spec.checkItem?.(out);
    if (problem)
      throw new ConfigError(`Invalid '${itemPath.join('.')}'${describeOrigin(origin)}: ${problem}.`);
    return out;
  });
}

/** Converts the text of an environment variable or `--set` value to the leaf's shape. */
function fromText(spec: LeafSpec, text: string, path: readonly string[], origin: Origin): unknown {
  switch (spec.type) {
    case 'string':
      return text === '' && spec.default === null ? null : text;
    case 'int':
    case 'bool':
      return text;
    case 'list':
      return text.trim() === '' ? [] : text.split(',').map((s) => s.trim());
    case 'map': {
      const trimmed = text.trim();
      if (trimmed.startsWith('{')) return parseStructured(trimmed, spec, path, origin);
      const out: Record<string, string> = {};
      for (const pair of trimmed === '' ? [] : trimmed.split(',')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw badValue(path, spec, text, 'name=value pairs separated by commas', origin);
        out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return out;
    }
    case 'rules':
      return parseStructured(text, spec, path, origin);
  }
}

function parseStructured(text: string, spec: LeafSpec, path: readonly string[], origin: Origin): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw badValue(path, spec, text, 'a JSON or YAML flow value', origin);
  return doc.toJS() as unknown;
}

interface Override {
  path: string[];
  text: string;
  origin: Origin;
}

function envOverrides(env: Readonly<Record<string, string | undefined>>): Override[] {
  const sections = Object.keys(configSpec.fields);
  const out: Override[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || !name.includes('__')) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    // Only sections we own are ours: KIVER_STACK_DIR and similar belong to other tools.
    if (!sections.includes(path[0] ?? '')) continue;
    out.push({ path, text: value, origin: { kind: 'env', name } });
  }
  return out.sort((a, b) => a.path.join('.').localeCompare(b.path.join('.')));
}

function setOverrides(sets: readonly string[]): Override[] {
  return sets.map((set) => {
    const eq = set.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(
        `--set '${set}' is not key.path=value.`,
        'Write it as for example --set kafka.topic=logs.raw.',
      );
    }
    return { path: set.slice(0, eq).trim().split('.'), text: set.slice(eq + 1), origin: { kind: 'set' } };
  });
}

function applyOverride(tree: Plain, override: Override, origins: Map<string, Origin>): void {
  const spec = specAt(override.path);
  if (!spec) throw unknownKeyError(override.path, override.origin);
  if (isSection(spec)) {
    throw new ConfigError(
      `'${override.path.join('.')}'${describeOrigin(override.origin)} is a section, not a key.`,
      `Set one of its keys: ${Object.keys(spec.fields).join(', ')}.`,
    );
  }
  let node = tree;
  for (const part of override.path.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Plain;
  }
  const leaf = override.path[override.path.length - 1] as string;
  node[leaf] = fromText(spec, override.text, override.path, override.origin);
  origins.set(override.path.join('.'), override.origin);
}

function validateSection(
  section: SectionSpec,
  raw: unknown,
  path: string[],
  origins: Map<string, Origin>,
  fallback: Origin,
): Plain {
  const where = (p: string[]) => origins.get(p.join('.')) ?? fallback;
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(
      `'${path.join('.') || 'the configuration'}'${describeOrigin(where(path))} must be a map of keys.`,
      `Its keys are: ${Object.keys(section.fields).join(', ')}.`,
    );
  }
  const given = (raw ?? {}) as Plain;
  for (const key of Object.keys(given)) {
    if (!(key in section.fields)) throw unknownKeyError([...path, key], where([...path, key]));
  }
  const out: Plain = {};
  for (const [key, spec] of Object.entries(section.fields)) {
    const keyPath = [...path, key];
    if (isSection(spec)) out[key] = validateSection(spec, given[key], keyPath, origins, fallback);
    else
      out[key] =
        given[key] === undefined
          ? structuredClone(spec.default)
          : validateLeaf(keyPath, spec, given[key], where(keyPath));
  }
  return out;
}

function readYamlFile(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `Cannot read configuration file ${file}: ${code === 'ENOENT' ? 'it does not exist' : String(code ?? error)}.`,
      'Pass an existing YAML file with --config, or leave --config out to use defaults and environment variables.',
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = first.linePos?.[0];
    throw new ConfigError(
      `Configuration file ${file}${pos ? ` line ${pos.line}` : ''} is not valid YAML: ${first.message.split('\n')[0]}.`,
      'Fix the YAML syntax at that line.',
    );
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    throw new ConfigError(`Configuration file ${file} must hold a map of sections (kafka, collector, ...).`);
  }
  return doc.toJS() as Plain;
}

/** Rules between collector keys: here, so every command that loads a configuration applies them. */
function checkCollectorRelations(collector: Plain): void {
  const c = collector as { [k: string]: number };
  if (c.max_in_flight_bytes! < c.batch_max_bytes!) {
    throw new ConfigError(
      `collector.max_in_flight_bytes (${c.max_in_flight_bytes}) is below collector.batch_max_bytes (${c.batch_max_bytes}).`,
      'Raise max_in_flight_bytes to at least a few batches.',
    );
  }
  // A followed file's entry is refreshed at checkpoint writes: a grace shorter than a few
  // write periods would expire entries of files that are still being read.
  if (c.checkpoint_grace_ms! < 4 * c.checkpoint_interval_ms!) {
    throw new ConfigError(
      `collector.checkpoint_grace_ms (${c.checkpoint_grace_ms}) is below 4 x collector.checkpoint_interval_ms (${c.checkpoint_interval_ms}).`,
      'Raise checkpoint_grace_ms (default 24h) or lower checkpoint_interval_ms.',
    );
  }
}

/** Resolves `*_file` secrets and checks rules that span several keys. */
function resolveCrossField(config: Plain): void {
  checkCollectorRelations(config.collector as Plain);
  const kafka = config.kafka as Plain;
  const sasl = kafka.sasl as Plain;
  readSecretFile(sasl, 'password', 'kafka.sasl');
  if (sasl.mechanism !== null && (sasl.username === null || sasl.password === null)) {
    throw new ConfigError(
      `kafka.sasl.mechanism is ${String(sasl.mechanism)} but kafka.sasl.username or kafka.sasl.password is missing.`,
      'Set both (the password through KIVER_KAFKA__SASL__PASSWORD or kafka.sasl.password_file).',
    );
  }
  const auth = (config.elasticsearch as Plain).auth as Plain;
  readSecretFile(auth, 'password', 'elasticsearch.auth');
  readSecretFile(auth, 'api_key', 'elasticsearch.auth');
  if (auth.api_key !== null && auth.username !== null) {
    throw new ConfigError(
      'elasticsearch.auth has both an API key and a user name.',
      'Use one way of authenticating: remove either api_key or username/password.',
    );
  }
  if ((auth.username === null) !== (auth.password === null)) {
    throw new ConfigError(
      'elasticsearch.auth needs both username and password, or neither.',
      'Set the missing one (the password through KIVER_ELASTICSEARCH__AUTH__PASSWORD or password_file).',
    );
  }
}

function readSecretFile(section: Plain, key: string, where: string): void {
  const fileKey = `${key}_file`;
  const file = section[fileKey];
  if (typeof file !== 'string') return;
  if (section[key] !== null) {
    throw new ConfigError(`${where}.${key} and ${where}.${fileKey} are both set.`, 'Keep only one of them.');
  }
  try {
    section[key] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(
      `Cannot read ${where}.${fileKey} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`,
      'Point it at a readable file that holds only the secret.',
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function build(raw: Plain, overrides: Override[], fallback: Origin): KiverConfig {
  const origins = new Map<string, Origin>();
  const tree = structuredClone(raw);
  for (const override of overrides) applyOverride(tree, override, origins);
  const validated = validateSection(configSpec, tree, [], origins, fallback);
  resolveCrossField(validated);
  return deepFreeze(validated) as unknown as KiverConfig;
}

/**
 * Loads and validates the configuration.
 * @throws ConfigError with one sentence naming the key, the value and what is allowed.
 */
export function loadConfig(options: LoadOptions = {}): KiverConfig {
  const file = options.file ?? null;
  const raw = file ? readYamlFile(file) : {};
  const overrides = [...envOverrides(options.env ?? process.env), ...setOverrides(options.sets ?? [])];
  return build(raw, overrides, file ? { kind: 'file', file } : { kind: 'object' });
}

/** The defaults alone. */
export function defaultConfig(): KiverConfig {
  return build({}, [], { kind: 'object' });
}

/** Validates a partial plain object merged onto the defaults (for tests and embedding). */
export function configFrom(partial: Record<string, unknown>, sets: readonly string[] = []): KiverConfig {
  return build(partial, setOverrides(sets), { kind: 'object' });
}
