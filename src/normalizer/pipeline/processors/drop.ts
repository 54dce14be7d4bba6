/**
 * `drop`: removes the event (the engine counts it). Use with `if`.
 */
import type { ProcessorFactory } from '../types.js';

export const dropProcessor: ProcessorFactory = () => ({
  run(_doc, ctx) {
    ctx.dropped = true;
    return undefined;
  },
});
