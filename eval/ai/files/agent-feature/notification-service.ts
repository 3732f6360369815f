export type Channel = 'email' | 'sms' | 'push';

export interface Notification {
  userId: string;
  channel: Channel;
  template: string;
  data: Record<string, string>;
}

export interface Sender {
  send(to: string, body: string): Promise<void>;
}

export interface UserDirectory {
  contactFor(userId: string, channel: Channel): Promise<string | null>;
  preferences(userId: string): Promise<{ mutedChannels: Channel[] }>;
}

const TEMPLATES: Record<string, string> = {
  welcome: 'Welcome aboard, {{name}}!',
  passwordReset: 'Use this code to reset your password: {{code}}',
  orderShipped: 'Your order {{orderId}} is on its way.',
};

export function render(template: string, data: Record<string, string>): string {
  const source = TEMPLATES[template];
  if (!source) throw new Error(`Unknown template "${template}"`);
  return source.replace(/\{\{(\w+)\}\}/g, (_, key: string) => data[key] ?? '');
}

export class NotificationService {
  constructor(
    private readonly senders: Record<Channel, Sender>,
    private readonly users: UserDirectory,
  ) {}

  async notify(notification: Notification): Promise<'sent' | 'muted' | 'no-contact'> {
    const { mutedChannels } = await this.users.preferences(notification.userId);
    if (mutedChannels.includes(notification.channel)) return 'muted';

    const to = await this.users.contactFor(notification.userId, notification.channel);
    if (!to) return 'no-contact';

    await this.senders[notification.channel].send(to, render(notification.template, notification.data));
    return 'sent';
  }

  async notifyAll(notifications: Notification[]) {
    const results = await Promise.allSettled(notifications.map((n) => this.notify(n)));
    return results.map((r, i) => ({
      userId: notifications[i]!.userId,
      status: r.status === 'fulfilled' ? r.value : 'failed',
      error: r.status === 'rejected' ? String(r.reason) : undefined,
    }));
  }
}
