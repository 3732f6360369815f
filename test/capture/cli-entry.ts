// The CLI from source, for hooks that tests install: `node --import tsx test/capture/cli-entry.ts …`.
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
