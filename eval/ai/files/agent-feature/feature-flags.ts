export type FlagValue = boolean | string | number;

export interface FlagRule {
  flag: string;
  value: FlagValue;
  /** Percentage of users (0-100) that should receive this value. */
  rollout?: number;
  /** Restrict the rule to these user IDs. */
  users?: string[];
}

export interface FlagContext {
  userId?: string;
}

function hashToPercent(input: string): number {
  let hash = 0;
  for (let i = 0; i < input.length; i++) {
    hash = (hash * 31 + input.charCodeAt(i)) >>> 0;
  }
  return hash % 100;
}

export class FeatureFlags {
  private readonly rules = new Map<string, FlagRule[]>();

  constructor(private readonly defaults: Record<string, FlagValue>) {}

  addRule(rule: FlagRule): void {
    const list = this.rules.get(rule.flag) ?? [];
    list.push(rule);
    this.rules.set(rule.flag, list);
  }

  get<T extends FlagValue>(flag: string, context: FlagContext = {}): T {
    const rules = this.rules.get(flag) ?? [];
    for (const rule of rules) {
      if (rule.users && (!context.userId || !rule.users.includes(context.userId))) {
        continue;
      }
      if (rule.rollout !== undefined) {
        if (!context.userId) continue;
        if (hashToPercent(`${flag}:${context.userId}`) >= rule.rollout) continue;
      }
      return rule.value as T;
    }

    if (!(flag in this.defaults)) {
      throw new Error(`Unknown feature flag: ${flag}`);
    }
    return this.defaults[flag] as T;
  }

  isEnabled(flag: string, context?: FlagContext): boolean {
    return this.get<FlagValue>(flag, context) === true;
  }
}
