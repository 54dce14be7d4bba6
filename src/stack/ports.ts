/**
 * Port checks before anything starts. A JVM that fails to bind only says so deep in its log
 * after seconds of startup; checking first turns that into one clear sentence.
 */
import net from 'node:net';
import { StackError } from '../errors.js';

export const STACK_HOST = '127.0.0.1';

export interface PortClaim {
  port: number;
  /** What the port is for, e.g. "Kafka client listener". */
  role: string;
  /** The CLI flag / option that moves it, e.g. "--kafka-port". */
  flag: string;
}

/** Resolves whether we could bind host:port right now (and releases it again). */
export function canBind(port: number, host = STACK_HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Resolves whether something accepts TCP connections on host:port. */
export function isListening(port: number, host = STACK_HOST, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function validatePort(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackError(`${flag} must be a port number between 1 and 65535, not ${value}.`);
  }
  return value;
}

export async function assertPortsFree(claims: PortClaim[]): Promise<void> {
  const seen = new Map<number, PortClaim>();
  for (const c of claims) {
    const other = seen.get(c.port);
    if (other) {
      throw new StackError(
        `Port ${c.port} is given both for the ${other.role} and the ${c.role}.`,
        `Choose different ports with ${other.flag} and ${c.flag}.`,
      );
    }
    seen.set(c.port, c);
  }
  for (const c of claims) {
    if (!(await canBind(c.port))) {
      throw new StackError(
        `Port ${c.port} on ${STACK_HOST} (${c.role}) is already in use by another process.`,
        `Stop that process (see \`ss -ltnp 'sport = :${c.port}'\`) or choose another port with ${c.flag} N.`,
      );
    }
  }
}
