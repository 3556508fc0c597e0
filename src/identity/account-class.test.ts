import { describe, expect, it } from 'vitest';
import { classifyAccount, compileAccountPattern, createAccountClassifier, serviceNamePrefix } from './account-class.ts';
import { createAccount, TEST_AS_OF } from '../evaluate/test-factories.ts';

const asOf = new Date(TEST_AS_OF);

describe('compileAccountPattern', () => {
  it.each([
    ['svc-*@contoso.com', 'svc-backup@contoso.com', true],
    ['svc-*@contoso.com', 'SVC-Backup@Contoso.COM', true],
    ['svc-*@contoso.com', 'svc-@contoso.com', true],
    ['svc-*@contoso.com', 'svc-backup@contoso.com.evil.io', false],
    ['svc-*@contoso.com', 'my-svc-backup@contoso.com', false],
    ['*@partner.io', 'anyone@partner.io', true],
    ['bg.admin@contoso.com', 'bgXadmin@contoso.com', false], // `.` is literal, not a regex wildcard
    ['a+b@contoso.com', 'a+b@contoso.com', true],
    ['*', 'anything', true],
  ])('%s matches %s → %s', (pattern, value, expected) => {
    expect(compileAccountPattern(pattern)(value)).toBe(expected);
  });
});

describe('classifyAccount', () => {
  const lists = {
    breakGlass: ['BG-Admin@contoso.com'],
    service: ['svc-*@contoso.com'],
    sharedMailbox: ['info@contoso.com'],
  };

  it('is human for an enabled member', () => {
    expect(classifyAccount(createAccount({ username: 'alice@contoso.com' }), asOf, lists)).toEqual({
      class: 'human',
      why: 'enabled member account in m365-main',
    });
  });

  it('matches break-glass by username case-insensitively', () => {
    const c = classifyAccount(createAccount({ username: 'bg-admin@contoso.com' }), asOf, lists);
    expect(c.class).toBe('break_glass');
    expect(c.why).toContain('"BG-Admin@contoso.com"');
  });

  it('matches by email when the username differs', () => {
    const acc = createAccount({ username: 'info_contoso#EXT', email: 'INFO@contoso.com' });
    expect(classifyAccount(acc, asOf, lists).class).toBe('shared_mailbox');
  });

  it('classes a disabled break-glass account as disabled and says it is break-glass', () => {
    const c = classifyAccount(createAccount({ username: 'bg-admin@contoso.com', enabled: false }), asOf, lists);
    expect(c.class).toBe('disabled');
    expect(c.why).toMatch(/configured break-glass account .* disabled in m365-main/);
  });

  it('classes any disabled account as disabled before service or guest', () => {
    expect(classifyAccount(createAccount({ username: 'svc-x@contoso.com', enabled: false }), asOf, lists).class).toBe('disabled');
    expect(classifyAccount(createAccount({ vendorType: 'guest', enabled: false }), asOf, lists).class).toBe('disabled');
  });

  it('prefers break-glass over a service wildcard that also matches', () => {
    const c = classifyAccount(createAccount({ username: 'svc-bg@contoso.com' }), asOf, { breakGlass: ['svc-bg@contoso.com'], service: ['svc-*@contoso.com'] });
    expect(c.class).toBe('break_glass');
  });

  it('classes configured and vendor-marked service accounts as service', () => {
    expect(classifyAccount(createAccount({ username: 'svc-backup@contoso.com' }), asOf, lists).why).toBe('configured service account (matches "svc-*@contoso.com")');
    expect(classifyAccount(createAccount({ vendorType: 'service' }), asOf, lists).why).toBe('m365-main marks it as a service or workload account');
  });

  it('classes a configured service account as service even when the vendor says guest', () => {
    expect(classifyAccount(createAccount({ username: 'svc-ext@contoso.com', vendorType: 'guest' }), asOf, lists).class).toBe('service');
  });

  it('classes vendor guests as guest', () => {
    expect(classifyAccount(createAccount({ vendorType: 'guest' }), asOf, lists)).toEqual({ class: 'guest', why: 'guest (external) account in m365-main' });
  });

  it('classes a start date after the run as a future hire, and on/before it as human', () => {
    const future = classifyAccount(createAccount({ hireDate: '2025-03-10T00:00:00Z' }), asOf, lists);
    expect(future).toEqual({ class: 'future_hire', why: 'future hire: starts 2025-03-10, after this run (2025-03-01)' });
    expect(classifyAccount(createAccount({ hireDate: TEST_AS_OF }), asOf, lists).class).toBe('human');
    expect(classifyAccount(createAccount({ hireDate: '2024-01-01T00:00:00Z' }), asOf, lists).class).toBe('human');
  });

  it('treats an unknown vendor type as human and says it was not told', () => {
    const c = classifyAccount(createAccount({ vendorType: 'unknown' }), asOf);
    expect(c.class).toBe('human');
    expect(c.why).toContain('does not say what kind of account');
  });

  it('classes a cloud root user as root, naming its AWS account when reported', () => {
    const root = createAccount({ username: '<root_account>', vendorType: 'root', instance: 'aws-prod', attributes: { awsAccountId: '111122223333' } });
    expect(classifyAccount(root, asOf, lists)).toEqual({
      class: 'root',
      why: 'root user of AWS account 111122223333; judged by the root-account rule, not by MFA coverage',
    });
    expect(classifyAccount(createAccount({ vendorType: 'root', instance: 'aws-prod' }), asOf).why).toBe(
      'root user of the cloud account in aws-prod; judged by the root-account rule, not by MFA coverage',
    );
  });

  it('keeps a root user in class root even when reported disabled or matched by a config list', () => {
    // AWS cannot disable a root user; it must never drop out of the root-account rule.
    expect(classifyAccount(createAccount({ vendorType: 'root', enabled: false }), asOf).class).toBe('root');
    expect(classifyAccount(createAccount({ username: 'svc-root@contoso.com', vendorType: 'root' }), asOf, lists).class).toBe('root');
    expect(classifyAccount(createAccount({ username: 'bg-admin@contoso.com', vendorType: 'root' }), asOf, lists).class).toBe('root');
  });

  it('works with no lists at all', () => {
    const classify = createAccountClassifier();
    expect(classify(createAccount(), asOf).class).toBe('human');
  });

  describe('service-name heuristic', () => {
    it.each([
      ['svc-scanner@contoso.com', 'svc-'],
      ['SVC_Backup@contoso.com', 'svc_'],
      ['service-desk-bot', 'service-'],
      ['noreply@contoso.com', 'noreply'],
      ['no-reply.billing@contoso.com', 'no-reply'],
      ['noreplyer@contoso.com', 'noreply'], // a prefix, documented: the why says how to overrule it
      ['ann@contoso.com', null],
      ['my-svc-backup@contoso.com', null], // only a prefix counts
      ['servicedesk@contoso.com', null], // `service` alone is a common mailbox and person-name part
    ])('%s → %s', (username, prefix) => {
      expect(serviceNamePrefix(createAccount({ username }))).toBe(prefix);
    });

    it('reads the e-mail local part too (an AWS user whose tag names a no-reply mailbox)', () => {
      expect(serviceNamePrefix(createAccount({ username: 'mailer', email: 'no-reply@contoso.com' }))).toBe('no-reply');
    });

    it('classes a name-matched account as service and says how to confirm or overrule it', () => {
      expect(classifyAccount(createAccount({ username: 'svc-scanner@contoso.com', signIn: { lastSuccessfulAt: null, lastInteractiveAt: null, lastNonInteractiveAt: null } }), asOf)).toEqual({
        class: 'service',
        why: 'name starts with svc-: treated as a service account (add it to accounts.service to confirm, or to identity.mappings to link it to a person)',
      });
    });

    it('is overruled by identity.mappings (by username or by key), and by every config list', () => {
      const acc = createAccount({ username: 'svc-ann@contoso.com', key: 'obj-1' });
      expect(classifyAccount(acc, asOf, {}, [{ account: 'M365-MAIN/SVC-ANN@contoso.com', person: 'ann@contoso.com' }]).class).toBe('human');
      expect(classifyAccount(acc, asOf, {}, [{ account: 'm365-main/obj-1', person: 'ann@contoso.com' }]).class).toBe('human');
      expect(classifyAccount(acc, asOf, {}, [{ account: 'other/svc-ann@contoso.com', person: 'ann@contoso.com' }]).class).toBe('service');
      expect(classifyAccount(createAccount({ username: 'noreply@contoso.com' }), asOf, { sharedMailbox: ['noreply@contoso.com'] }).class).toBe('shared_mailbox');
      expect(classifyAccount(createAccount({ username: 'svc-x@contoso.com' }), asOf, { service: ['svc-x@contoso.com'] }).why).toBe('configured service account (matches "svc-x@contoso.com")');
    });

    it('does not override vendor facts: guests and disabled accounts keep their class', () => {
      expect(classifyAccount(createAccount({ username: 'svc-x_partner.com#EXT#@contoso.onmicrosoft.com', vendorType: 'guest' }), asOf).class).toBe('guest');
      expect(classifyAccount(createAccount({ username: 'svc-old@contoso.com', enabled: false }), asOf).class).toBe('disabled');
    });
  });
});
