import { describe, expect, it } from 'vitest';
import { scopeReach, severityOf } from './scope-reach.ts';

describe('scopeReach', () => {
  it.each([
    ['Mail.Read', 'mail', 'high'],
    ['Mail.Send', 'mail', 'high'],
    ['EWS.AccessAsUser.All', 'mail', 'high'],
    ['full_access_as_app', 'mail', 'high'],
    ['Files.Read.All', 'files', 'high'],
    ['Sites.Read.All', 'files', 'high'],
    ['Chat.Read', 'chat', 'high'],
    ['ChannelMessage.Read.All', 'chat', 'high'],
    ['Calendars.Read', 'calendar', 'high'],
    ['OnlineMeetingTranscript.Read.All', 'meetings', 'high'],
    ['Directory.ReadWrite.All', 'directory', 'high'],
    ['User.ReadWrite.All', 'directory', 'high'],
    ['Contacts.Read', 'contacts', 'medium'],
    ['User.Read.All', 'directory', 'medium'],
    ['Directory.Read.All', 'directory', 'medium'],
    ['https://graph.microsoft.com/Mail.Read', 'mail', 'high'],
    ['User.Read', 'sign-in', 'low'],
    ['offline_access', 'sign-in', 'low'],
    ['openid', 'sign-in', 'low'],
    ['https://mail.google.com/', 'mail', 'high'],
    ['https://www.googleapis.com/auth/gmail.readonly', 'mail', 'high'],
    ['https://www.googleapis.com/auth/drive', 'files', 'high'],
    ['https://www.googleapis.com/auth/drive.readonly', 'files', 'high'],
    ['https://www.googleapis.com/auth/drive.file', 'files', 'medium'],
    ['https://www.googleapis.com/auth/spreadsheets', 'files', 'high'],
    ['https://www.googleapis.com/auth/spreadsheets.currentonly', 'files', 'medium'],
    ['https://www.googleapis.com/auth/calendar.readonly', 'calendar', 'high'],
    ['https://www.googleapis.com/auth/calendar.events.readonly', 'calendar', 'high'],
    ['https://www.googleapis.com/auth/chat.messages.readonly', 'chat', 'high'],
    ['https://www.googleapis.com/auth/contacts.readonly', 'contacts', 'medium'],
    ['https://www.googleapis.com/auth/admin.directory.user.readonly', 'directory', 'medium'],
    ['https://www.googleapis.com/auth/userinfo.email', 'sign-in', 'low'],
    ['https://www.googleapis.com/auth/script.external_request', 'other', 'medium'],
    ['appRole:1b2c3d', 'other', 'medium'],
    ['Something.New.All', 'other', 'medium'],
  ])('%s reaches %s (%s)', (scope, reach, level) => {
    expect(scopeReach(scope)).toMatchObject({ reach, level });
  });

  it('shortens Google scopes for sentences', () => {
    expect(scopeReach('https://www.googleapis.com/auth/drive.readonly').short).toBe('drive.readonly');
  });
});

describe('severityOf', () => {
  const s = (...scopes: string[]) => scopes.map(scopeReach);
  it('is the highest scope level, raised one step for tenant-wide grants', () => {
    expect(severityOf(s('User.Read', 'Mail.Read'), false)).toBe('high');
    expect(severityOf(s('User.Read', 'Contacts.Read'), false)).toBe('medium');
    expect(severityOf(s('User.Read', 'Contacts.Read'), true)).toBe('high');
    expect(severityOf(s('openid', 'profile'), false)).toBe('low');
    expect(severityOf(s('openid', 'profile'), true)).toBe('medium');
    expect(severityOf(s('Mail.Read'), true)).toBe('high');
    expect(severityOf([], false)).toBe('low');
  });
});
