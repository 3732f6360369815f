import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface CommitSummary {
  sha: string;
  author: string;
  date: string;
  subject: string;
}

const SEP = '\x1f';

export async function recentCommits(cwd: string, limit = 20): Promise<CommitSummary[]> {
  const { stdout } = await exec('git', ['log', `-n${limit}`, `--format=%H${SEP}%an${SEP}%aI${SEP}%s`], { cwd });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, author, date, subject] = line.split(SEP);
      return { sha: sha!, author: author!, date: date!, subject: subject ?? '' };
    });
}

export async function currentBranch(cwd: string): Promise<string | null> {
  const { stdout } = await exec('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd });
  const name = stdout.trim();
  return name === 'HEAD' ? null : name;
}
