// What the dashboard and the query endpoints serve: the engine's access views
// (src/engine/access-views.ts) over the installation ledgers, opened here as directory stores
// (`create` only makes an installation without entries read as an empty ledger). The App's own
// signing key is the trusted verifier key.
import type { Clock } from '../src/core/ports.js';
import { blameView, dashboardView, reportView, verifierOf } from '../src/engine/access-views.js';
import type { NoteSigner } from '../src/engine/job-ledger.js';
import { openDirStore } from '../src/ledger/store/dir.js';
import type { AccessViews, LedgerRef, ReportRequest } from './access-route.js';

const storeOf = (l: LedgerRef) => openDirStore(l.dir, { create: true });

export function ledgerViews(signer: NoteSigner, clock: Clock): AccessViews {
  const keys = [verifierOf(signer)];
  const request = (req: ReportRequest) => ({
    sources: req.ledgers.map((l) => ({ store: storeOf(l), keys, location: `installation ${l.installationId}` })),
    repositories: req.repositories, week: req.week, clock,
  });
  return {
    dashboard: (req) => dashboardView(request(req)),
    report: (req, format) => reportView(request(req), format),
    blame: (req) => blameView({ stores: req.ledgers.map(storeOf), repository: req.repository, path: req.path, startLine: req.startLine, endLine: req.endLine }),
  };
}
