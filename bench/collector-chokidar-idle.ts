/**
 * Reference for bench/collector.bench.ts: chokidar alone, watching a tree the default way
 * (every file and folder), doing nothing else. Prints "ready" once the initial scan is done.
 *
 *   node --import tsx bench/collector-chokidar-idle.ts <root>
 */
import { watch } from 'chokidar';

const root = process.argv[2];
if (!root) throw new Error('usage: collector-chokidar-idle.ts <root>');
let events = 0;
const watcher = watch(root);
watcher.on('all', () => void (events += 1));
watcher.on('ready', () => process.stdout.write(`ready ${events}\n`));
process.on('SIGTERM', () => void watcher.close().then(() => process.exit(0)));
