// bin/trailmark.js for the sources (run with `node --import tsx`), so that a test can start the
// real detached background push without `npm run build`.
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2));
