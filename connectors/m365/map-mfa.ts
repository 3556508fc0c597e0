import { z } from 'zod';
import type { EntitySource, MfaStatus } from '../../src/core/model.ts';

export const graphRegistration = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().nullish(),
  isMfaRegistered: z.boolean(),
  isMfaCapable: z.boolean().nullish(),
  methodsRegistered: z.array(z.string()).nullish(),
});

/**
 * App-based and phishing-resistant methods. SMS, voice and e-mail count as registered MFA for
 * Entra, but not as strong: break-glass accounts must hold one of these.
 */
const STRONG_METHODS = new Set([
  'fido2',
  'passKeyDeviceBound',
  'passKeyDeviceBoundAuthenticator',
  'passKeyDeviceBoundWindowsHello',
  'windowsHelloForBusiness',
  'microsoftAuthenticatorPush',
  'microsoftAuthenticatorPasswordless',
  'softwareOneTimePasscode',
  'hardwareOneTimePasscode',
  'x509Certificate',
]);

export function mapRegistration(r: z.infer<typeof graphRegistration>, source: EntitySource): MfaStatus {
  const methods = r.methodsRegistered ?? [];
  return {
    kind: 'mfa',
    key: r.id,
    source,
    accountKey: r.id,
    registered: r.isMfaRegistered,
    // Registration is not enforcement: Conditional Access decides that, and this report does not say.
    enforced: null,
    methods,
    strongMethods: methods.filter((m) => STRONG_METHODS.has(m)),
  };
}
