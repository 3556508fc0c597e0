import { describe, expect, it } from 'vitest';
import { createEmailNormaliser, looksLikeEmail, normaliseEmail, normaliseEmployeeId } from './normalise.ts';

const aliases = { 'Contoso.onmicrosoft.com': 'contoso.com', 'contoso.co.uk': 'Contoso.com' };

describe('normaliseEmail', () => {
  it.each<[string | null, string | null]>([
    ['ann@contoso.com', 'ann@contoso.com'],
    ['  Ann@Contoso.COM ', 'ann@contoso.com'],
    ['ann+aws@contoso.com', 'ann@contoso.com'], // plus-addressing folds into the mailbox
    ['ann+a+b@contoso.com', 'ann@contoso.com'],
    ['+ann@contoso.com', '+ann@contoso.com'], // no base mailbox before the `+`
    ['ann@contoso.onmicrosoft.com', 'ann@contoso.com'], // domain alias, case-insensitive key
    ['ann@CONTOSO.CO.UK', 'ann@contoso.com'],
    ['ann@eu.contoso.onmicrosoft.com', 'ann@eu.contoso.onmicrosoft.com'], // aliases are exact, no sub-domains
    ['jane_partner.com#EXT#@contoso.onmicrosoft.com', 'jane@partner.com'], // Entra guest UPN
    ['j_doe_partner.com#EXT#@contoso.onmicrosoft.com', 'j_doe@partner.com'], // last `_` is the `@`
    ['JANE_Partner.com#ext#@contoso.onmicrosoft.com', 'jane@partner.com'],
    ['jane+x_partner.com#EXT#@contoso.onmicrosoft.com', 'jane@partner.com'],
    ['partner.com#EXT#@contoso.onmicrosoft.com', null], // no `_`: not a guest address we can read
    ['jos\u0065\u0301@contoso.com', 'jos\u00e9@contoso.com'], // NFC: e + combining acute = é
    ['ann', null], // an AWS user name is not an address
    ['<root_account>', null],
    ['ann@contoso', null], // no dot in the domain
    ['ann smith@contoso.com', null],
    ['@contoso.com', null],
    ['ann@', null],
    ['', null],
    [null, null],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseEmail(raw, aliases)).toBe(expected);
  });

  it('keeps an unconfigured onmicrosoft.com domain distinct (aliases are never guessed)', () => {
    expect(normaliseEmail('ann@contoso.onmicrosoft.com')).toBe('ann@contoso.onmicrosoft.com');
  });

  it('compiles aliases once for many addresses', () => {
    const n = createEmailNormaliser(aliases);
    expect(['A@contoso.onmicrosoft.com', 'b@contoso.com'].map(n)).toEqual(['a@contoso.com', 'b@contoso.com']);
  });
});

describe('looksLikeEmail', () => {
  it.each([
    ['ann@contoso.com', true],
    ['ann', false],
    ['svc-backup', false],
  ])('%s → %s', (raw, expected) => {
    expect(looksLikeEmail(raw)).toBe(expected);
  });
});

describe('normaliseEmployeeId', () => {
  it.each<[string | null, string | null]>([
    ['E1042', 'E1042'],
    [' e1042 ', 'E1042'],
    ['01042', '01042'], // leading zeros kept: another numbering scheme, not the same id
    ['   ', null],
    ['', null],
    [null, null],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseEmployeeId(raw)).toBe(expected);
  });
});
