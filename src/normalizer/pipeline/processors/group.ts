/**
 * `group`: a list of processors behind one `if`. A pipeline that branches on a kind field
 * tests the branch once instead of once per processor; the inner processors run exactly as
 * they would in the outer list (their own `if`, failures recorded under their own tag or
 * type, `on_failure`, `drop`), and the group itself never fails.
 */
import { runSteps } from '../steps.js';
import type { ProcessorFactory } from '../types.js';

export const groupProcessor: ProcessorFactory = (options, ctx) => {
  const node = options.raw('processors');
  if (node === undefined) throw options.source.error(options.node, "group: 'processors' is required");
  const steps = ctx.compileSteps(node, 'group.processors');
  if (steps.length === 0) throw options.error('processors', 'must hold at least one processor');
  return {
    run(doc, event) {
      runSteps(steps, doc, event);
      return undefined;
    },
  };
};
