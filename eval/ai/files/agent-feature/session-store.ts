import { randomBytes } from 'node:crypto';

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  data: Record<string, unknown>;
}

export interface SessionBackend {
  get(id: string): Promise<Session | null>;
  set(session: Session): Promise<void>;
  delete(id: string): Promise<void>;
}

export class InMemorySessionBackend implements SessionBackend {
  private readonly sessions = new Map<string, Session>();

  async get(id: string) {
    return this.sessions.get(id) ?? null;
  }

  async set(session: Session) {
    this.sessions.set(session.id, session);
  }

  async delete(id: string) {
    this.sessions.delete(id);
  }
}

export class SessionStore {
  constructor(
    private readonly backend: SessionBackend,
    private readonly ttlMs = 1000 * 60 * 60 * 24 * 7,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userId: string, data: Record<string, unknown> = {}): Promise<Session> {
    const createdAt = this.now();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      userId,
      createdAt,
      expiresAt: createdAt + this.ttlMs,
      data,
    };
    await this.backend.set(session);
    return session;
  }

  async get(id: string): Promise<Session | null> {
    const session = await this.backend.get(id);
    if (!session) return null;
    if (session.expiresAt <= this.now()) {
      await this.backend.delete(id);
      return null;
    }
    return session;
  }

  async touch(id: string): Promise<Session | null> {
    const session = await this.get(id);
    if (!session) return null;
    const renewed = { ...session, expiresAt: this.now() + this.ttlMs };
    await this.backend.set(renewed);
    return renewed;
  }

  async destroy(id: string): Promise<void> {
    await this.backend.delete(id);
  }
}
