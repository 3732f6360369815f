// What the dashboard and the query endpoints serve: engine use cases over the installation
// ledgers (directory stores opened here, read-only use; `create` only makes an installation
// without entries read as an empty ledger).
import { queryLedger } from '../src/engine/blame.js';
import { openDirStore } from '../src/ledger/store/dir.js';
import type { AccessViews, LedgerRef } from './access-route.js';

const storesOf = (ledgers: readonly LedgerRef[]) => ledgers.map((l) => openDirStore(l.dir, { create: true }));

export function ledgerViews(): AccessViews {
  return {
    blame: async (req) => {
      const result = await queryLedger({ repository: req.repository, path: req.path, startLine: req.startLine, endLine: req.endLine, ledgers: storesOf(req.ledgers) });
      return { body: result, results: result.matches.length };
    },
    dashboard: () => Promise.reject(new Error('the dashboard is not in this build yet')),
    report: () => Promise.reject(new Error('the report is not in this build yet')),
  };
}
