import { it } from 'vitest';
import { blame } from '../../src/engine/blame.js';
import { localBlameGit } from '../../src/git/blame.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { buildScenario, REPOSITORY } from './scenario.js';

it('debug', async () => {
  const s = await buildScenario();
  try {
    for (const file of ['src/squash.ts', 'src/rebase.ts', 'src/new.ts', 'src/mixed.ts']) {
      const r = await blame({ repository: REPOSITORY, file, rev: 'main', ledgers: [openDirStore(s.ledgerDir)], git: localBlameGit(s.repo.dir) });
      console.log(file, JSON.stringify(r.runs.map((x) => ({ l: `${x.startLine}-${x.endLine}`, c: x.commit.slice(0, 7), p: x.origPath, link: x.link, pr: x.pullRequests, ev: x.evidence, ag: x.agents, m: x.models, au: x.author.name, h: x.history.map((h) => ({ v: h.verdict, src: h.sources, ap: h.approvals.map((a) => a.reviewer), rem: h.remediations.length, rec: h.records.length, f: h.findings.length })) }))));
    }
    console.log(s.commits);
  } finally { await s.cleanup(); }
}, 120000);
