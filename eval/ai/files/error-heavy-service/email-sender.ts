export interface SmtpTransport {
  sendMail(message: { from: string; to: string[]; subject: string; html: string }): Promise<{ messageId: string }>;
}

export class EmailSendError extends Error {
  constructor(
    message: string,
    public readonly recipients: string[],
    public readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmailSendError';
  }
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function sendEmail(
  transport: SmtpTransport,
  from: string,
  to: string | string[],
  subject: string,
  html: string,
): Promise<string> {
  const recipients = (Array.isArray(to) ? to : [to]).map((r) => r.trim()).filter(Boolean);

  if (recipients.length === 0) {
    throw new EmailSendError('No recipients specified', [], true);
  }

  const invalid = recipients.filter((r) => !EMAIL_PATTERN.test(r));
  if (invalid.length > 0) {
    throw new EmailSendError(`Invalid recipient address(es): ${invalid.join(', ')}`, invalid, true);
  }

  if (!subject.trim()) {
    throw new EmailSendError('Subject must not be empty', recipients, true);
  }

  try {
    const { messageId } = await transport.sendMail({ from, to: recipients, subject, html });
    if (!messageId) {
      throw new EmailSendError('Transport did not return a message id', recipients, false);
    }
    return messageId;
  } catch (error) {
    if (error instanceof EmailSendError) throw error;

    const responseCode = (error as { responseCode?: number }).responseCode;
    const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
    throw new EmailSendError(
      `Failed to send email to ${recipients.join(', ')}: ${(error as Error).message ?? String(error)}`,
      recipients,
      permanent,
      { cause: error },
    );
  }
}
