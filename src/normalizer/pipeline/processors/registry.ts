/**
 * The processor types a pipeline file may name, each with its factory.
 */
import type { ProcessorFactory } from '../types.js';
import { dateProcessor } from './date.js';
import { dropProcessor } from './drop.js';
import { removeProcessor, renameProcessor, setProcessor } from './fields.js';
import { grokProcessor } from './grok.js';
import { groupProcessor } from './group.js';
import { javaExceptionProcessor } from './java-exception.js';
import { jsonProcessor } from './json.js';
import { kvProcessor } from './kv.js';
import { levelProcessor } from './level.js';
import { regexProcessor } from './regex.js';
import { rerouteProcessor } from './reroute.js';
import { lowercaseProcessor, trimProcessor, uppercaseProcessor } from './string-transform.js';
import { syslogProcessor } from './syslog.js';

export const PROCESSORS: Readonly<Record<string, ProcessorFactory>> = {
  grok: grokProcessor,
  regex: regexProcessor,
  json: jsonProcessor,
  kv: kvProcessor,
  syslog: syslogProcessor,
  date: dateProcessor,
  rename: renameProcessor,
  set: setProcessor,
  remove: removeProcessor,
  lowercase: lowercaseProcessor,
  uppercase: uppercaseProcessor,
  trim: trimProcessor,
  level: levelProcessor,
  java_exception: javaExceptionProcessor,
  drop: dropProcessor,
  reroute: rerouteProcessor,
  group: groupProcessor,
};

/** Options every processor takes; the loader handles them before the factory runs. */
export const COMMON_OPTIONS = ['if', 'tag', 'ignore_failure', 'on_failure'] as const;
