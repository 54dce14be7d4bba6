import { notYetAvailable } from './not-available.js';

export async function run(_argv: string[]): Promise<number> {
  return notYetAvailable('check', 'a later issue');
}
