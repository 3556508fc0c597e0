import type { EventType, Severity } from './finding.ts';

export type MessageKind = 'alert' | 'reminder' | 'resolved' | 'digest' | 'test';

/**
 * What a channel sends, rendered when it is enqueued and stored as is in the outbox, so what was
 * sent can be shown later. Holds no secret: findings carry labels and sentences from the rules.
 */
export interface AlertMessage {
  kind: MessageKind;
  org: string;
  severity: Severity;
  /** One line, e.g. "Leaver still has access: henrietta.mueller@contoso.com". */
  title: string;
  /** A sentence or two: the why. */
  text: string;
  type: EventType | null;
  findingId: string | null;
  subject: string | null;
  scope: string | null;
  firstSeenAt: string | null;
  /** When the event happened (enqueue time). */
  at: string;
  runId: number | null;
  /** A digest's messages. */
  items?: AlertMessage[];
}

const HEADINGS: Record<EventType, string> = {
  leaver_access: 'Leaver still has access',
  shadow_ai: 'Unapproved AI app with access to company data',
  mfa_below_threshold: 'MFA coverage below threshold',
  new_privileged_assignment: 'New privileged role assignment',
  connector_failed: 'Connector failing',
  connector_overdue: 'Connector overdue',
};

const PREFIX: Record<Exclude<MessageKind, 'digest' | 'test'>, string> = { alert: '', reminder: 'Reminder: ', resolved: 'Resolved: ' };

export interface FindingForMessage {
  id: string;
  org: string;
  type: EventType;
  label: string;
  subject: string;
  scope: string;
  severity: Severity;
  detail: string;
  firstSeenAt: string;
}

export function findingMessage(kind: 'alert' | 'reminder' | 'resolved', f: FindingForMessage, at: string, runId: number | null): AlertMessage {
  const text =
    kind === 'resolved'
      ? `No longer seen in ${runId === null ? 'the latest check' : `run ${runId}`} (open since ${f.firstSeenAt}). Last seen: ${f.detail}`
      : kind === 'reminder'
        ? `Still open since ${f.firstSeenAt}: ${f.detail}`
        : f.detail;
  return {
    kind,
    org: f.org,
    severity: f.severity,
    title: `${PREFIX[kind]}${HEADINGS[f.type]}: ${f.label}`,
    text,
    type: f.type,
    findingId: f.id,
    subject: f.subject,
    scope: f.scope,
    firstSeenAt: f.firstSeenAt,
    at,
    runId,
  };
}

/** A digest or a test message is about no one finding. */
const ABOUT_NO_FINDING = { type: null, findingId: null, subject: null, scope: null, firstSeenAt: null, runId: null } as const;

export function digestMessage(items: readonly AlertMessage[], at: string): AlertMessage {
  const orgs = [...new Set(items.map((i) => i.org))].sort();
  return {
    kind: 'digest',
    org: orgs.join(', '),
    severity: items.some((i) => i.severity === 'high') ? 'high' : items.some((i) => i.severity === 'medium') ? 'medium' : 'low',
    title: `Evidentia digest: ${items.length} ${items.length === 1 ? 'notice' : 'notices'}`,
    text: items.map((i) => `• ${i.title}`).join('\n'),
    ...ABOUT_NO_FINDING,
    at,
    items: [...items],
  };
}

export function testMessage(channel: string, at: string): AlertMessage {
  return {
    kind: 'test',
    org: 'evidentia',
    severity: 'low',
    title: `Evidentia test message for channel ${channel}`,
    text: 'If you can read this, alerts from Evidentia reach this channel. Nothing needs to be done.',
    ...ABOUT_NO_FINDING,
    at,
  };
}
