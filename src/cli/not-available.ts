import { NotAvailableError } from '../errors.js';

/** For a sub-command whose issue is not done yet: says so, exits 2, pretends nothing. */
export function notYetAvailable(command: string, issue: string): never {
  throw new NotAvailableError(`'kiver ${command}' is not yet available.`, `It arrives with ${issue}.`);
}
