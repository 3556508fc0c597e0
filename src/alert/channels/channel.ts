import { AgentError } from '../../core/errors.ts';
import type { AlertMessage } from '../alert-message.ts';

/**
 * One configured destination. `send` resolves when the receiver accepted the message, else throws
 * `DeliveryError`. Once `signal` aborts (the daemon is stopping and its wait ran out), the request
 * in flight is cut (the HTTP request aborted, the SMTP connection closed) and `send` throws.
 */
export interface Channel {
  readonly name: string;
  readonly type: 'slack' | 'teams' | 'webhook' | 'email';
  send(message: AlertMessage, deliveryId: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A receiver refused or could not be reached. The message names no secret (no URL, no key). */
export class DeliveryError extends AgentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('delivery_failed', message, options);
    this.name = 'DeliveryError';
  }
}
