// The CLI from source, as bin/trailmark.js runs the build (`node --import tsx test/capture/cli-entry.ts …`):
// for hooks that tests install, and for the real detached background push, without `npm run build`.
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
