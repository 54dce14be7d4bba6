/**
 * Fields derived from a file's path: templates such as `/app/log/{container_id}/{service}/**`
 * name path segments. `{name}` captures one segment, `*` matches within a segment, `**` any
 * number of segments. The first template that matches fills `fields`; static labels from
 * the configuration are added under them (a path value wins over a label of the same name,
 * since it is the more specific fact).
 */

export interface PathTemplate {
  readonly source: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** Compiles a template; throws with the reason when it is malformed. */
export function compileTemplate(source: string): PathTemplate {
  const names: string[] = [];
  let re = '^';
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '{') {
      const close = source.indexOf('}', i);
      if (close === -1) throw new Error(`unclosed '{' in path template '${source}'`);
      const name = source.slice(i + 1, close);
      if (!NAME.test(name)) throw new Error(`'{${name}}' in path template '${source}' is not a field name`);
      if (names.includes(name)) throw new Error(`field '${name}' appears twice in path template '${source}'`);
      names.push(name);
      re += '([^/]+)';
      i = close + 1;
    } else if (ch === '*' && source[i + 1] === '*') {
      // `/**` at the end or `/**/` in the middle: zero or more segments.
      re += '.*';
      i += 2;
    } else if (ch === '*') {
      re += '[^/]*';
      i += 1;
    } else {
      re += ch.replace(/[.+?^$()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return { source, regex: new RegExp(re + '$'), names };
}

export class PathMetadata {
  readonly #templates: PathTemplate[];
  readonly #labels: Readonly<Record<string, string>>;

  constructor(templates: readonly string[], labels: Readonly<Record<string, string>>) {
    this.#templates = templates.map(compileTemplate);
    this.#labels = labels;
  }

  /** A fresh object per call: the caller owns it. */
  fieldsFor(path: string): Record<string, string> {
    const fields: Record<string, string> = { ...this.#labels };
    for (const t of this.#templates) {
      const m = t.regex.exec(path);
      if (!m) continue;
      t.names.forEach((name, idx) => {
        fields[name] = m[idx + 1]!;
      });
      break;
    }
    return fields;
  }
}
