export type Role = 'viewer' | 'editor' | 'admin' | 'owner';

export type Action =
  | 'project:read'
  | 'project:update'
  | 'project:delete'
  | 'member:invite'
  | 'member:remove'
  | 'billing:manage';

const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

const REQUIRED_ROLE: Record<Action, Role> = {
  'project:read': 'viewer',
  'project:update': 'editor',
  'project:delete': 'admin',
  'member:invite': 'admin',
  'member:remove': 'admin',
  'billing:manage': 'owner',
};

export interface Membership {
  userId: string;
  projectId: string;
  role: Role;
}

export function can(membership: Membership | undefined, action: Action): boolean {
  if (!membership) return false;
  return ROLE_RANK[membership.role] >= ROLE_RANK[REQUIRED_ROLE[action]];
}

export class ForbiddenError extends Error {
  readonly status = 403;
  constructor(action: Action) {
    super(`You do not have permission to perform "${action}"`);
    this.name = 'ForbiddenError';
  }
}

export function assertCan(membership: Membership | undefined, action: Action): void {
  if (!can(membership, action)) {
    throw new ForbiddenError(action);
  }
}

/**
 * A member may change another member's role only if they outrank both the current and the
 * requested role; nobody can promote someone above themselves.
 */
export function canChangeRole(actor: Membership, target: Membership, newRole: Role): boolean {
  if (actor.projectId !== target.projectId || actor.userId === target.userId) return false;
  const actorRank = ROLE_RANK[actor.role];
  return actorRank > ROLE_RANK[target.role] && actorRank > ROLE_RANK[newRole];
}
