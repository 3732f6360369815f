import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';

export interface AuditEvent {
  actor: string;
  action: string;
  target: string;
  at: string;
  metadata?: Record<string, unknown>;
}

interface StoredEvent extends AuditEvent {
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function hashEvent(event: AuditEvent, prevHash: string): string {
  return createHash('sha256').update(prevHash).update(JSON.stringify(event)).digest('hex');
}

export class AuditLog {
  private lastHash: string | null = null;

  constructor(private readonly path: string) {}

  async append(event: AuditEvent): Promise<StoredEvent> {
    const prevHash = this.lastHash ?? (await this.readLastHash());
    const stored: StoredEvent = { ...event, prevHash, hash: hashEvent(event, prevHash) };
    await appendFile(this.path, JSON.stringify(stored) + '\n', 'utf8');
    this.lastHash = stored.hash;
    return stored;
  }

  async verify(): Promise<{ ok: true } | { ok: false; line: number; reason: string }> {
    const lines = await this.readLines();
    let prev = GENESIS;
    for (let i = 0; i < lines.length; i++) {
      const { prevHash, hash, ...event } = JSON.parse(lines[i]!) as StoredEvent;
      if (prevHash !== prev) return { ok: false, line: i + 1, reason: 'broken chain' };
      if (hashEvent(event, prevHash) !== hash) return { ok: false, line: i + 1, reason: 'hash mismatch' };
      prev = hash;
    }
    return { ok: true };
  }

  private async readLastHash(): Promise<string> {
    const lines = await this.readLines();
    const last = lines.at(-1);
    return last ? (JSON.parse(last) as StoredEvent).hash : GENESIS;
  }

  private async readLines(): Promise<string[]> {
    try {
      return (await readFile(this.path, 'utf8')).split('\n').filter(Boolean);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
