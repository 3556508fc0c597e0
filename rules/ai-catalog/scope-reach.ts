import type { Reach } from './catalog-schema.ts';

/**
 * What a granted scope lets an app reach, and how much that matters. The issue names mail, files
 * and chats as high-reach; calendars are high too because meeting bots use them to join and record
 * every meeting, and a Google calendar scope was named alongside gmail and drive.
 *
 * - high: content of mail, files, chats, calendars, meeting transcripts; tenant-changing writes.
 * - medium: contacts, directory reads, meeting metadata, files the user opens with the app
 *   (`drive.file`, `*.currentonly`), calls to outside URLs, and any scope we do not recognise
 *   (an unknown permission is never read as harmless).
 * - low: signing in and the user's own profile.
 */

export type ReachLevel = 'low' | 'medium' | 'high';
export type ScopeReachWord = Reach | 'sign-in' | 'other';

export interface ScopeReach {
  scope: string;
  /** How results print it: Google URLs without `https://www.googleapis.com/auth/`. */
  short: string;
  reach: ScopeReachWord;
  level: ReachLevel;
}

type Row = readonly [RegExp, ScopeReachWord, ReachLevel];

// Microsoft Graph delegated scopes and application permissions (same names).
const GRAPH: readonly Row[] = [
  [/^(openid|profile|email|offline_access|User\.Read)$/i, 'sign-in', 'low'],
  [/^(Mail|MailboxItem|MailboxFolder)\./i, 'mail', 'high'],
  [/^(EWS\.AccessAsUser\.All|EWS\.AccessAsApp|IMAP\.AccessAsUser\.All|IMAP\.AccessAsApp|POP\.AccessAsUser\.All|POP\.AccessAsApp|SMTP\.Send|full_access_as_app|full_access_as_user)$/i, 'mail', 'high'],
  [/^(Files|Sites|Notes)\./i, 'files', 'high'],
  [/^(Chat|ChatMessage|ChannelMessage)\./i, 'chat', 'high'],
  [/^Calendars\./i, 'calendar', 'high'],
  [/^(OnlineMeetingTranscript|OnlineMeetingRecording|OnlineMeetingAiInsight|CallRecords)\./i, 'meetings', 'high'],
  [/^(Directory\.ReadWrite|User\.ReadWrite\.All|Application\.ReadWrite|AppRoleAssignment\.ReadWrite|RoleManagement\.ReadWrite|Group\.ReadWrite)/i, 'directory', 'high'],
  [/^(Contacts|People)\./i, 'contacts', 'medium'],
  [/^OnlineMeetings\./i, 'meetings', 'medium'],
  [/^(User|Directory|Group|GroupMember)\.Read/i, 'directory', 'medium'],
];

const GOOGLE_AUTH = 'https://www.googleapis.com/auth/';

// Google scopes, matched on the part after `https://www.googleapis.com/auth/` (or the bare names).
const GOOGLE: readonly Row[] = [
  [/^(openid|email|profile|userinfo\.email|userinfo\.profile)$/, 'sign-in', 'low'],
  [/^gmail\./, 'mail', 'high'],
  [/^(drive\.file|drive\.appdata|drive\.install|drive\.appfolder)$/, 'files', 'medium'],
  [/^(drive|documents|spreadsheets|presentations)\.currentonly$/, 'files', 'medium'],
  [/^(drive|documents|spreadsheets|presentations)(\.|$)/, 'files', 'high'],
  [/^calendar(\.|$)/, 'calendar', 'high'],
  [/^chat\./, 'chat', 'high'],
  [/^(contacts|directory\.readonly|user\.emails|user\.phonenumbers)/, 'contacts', 'medium'],
  [/^meetings\./, 'meetings', 'medium'],
  [/^admin\.directory\.[a-z.]*readonly$/, 'directory', 'medium'],
  [/^admin\./, 'directory', 'high'],
  [/^cloud-platform(\.|$)/, 'other', 'high'],
  [/^script\.(container\.ui|scriptapp|send_mail)$/, 'other', 'low'],
];

export function scopeReach(scope: string): ScopeReach {
  if (scope === 'https://mail.google.com/') return { scope, short: 'mail.google.com (full Gmail)', reach: 'mail', level: 'high' };
  const isGoogle = scope.startsWith(GOOGLE_AUTH);
  // Graph scopes are sometimes stored with their resource: `https://graph.microsoft.com/Mail.Read`.
  const name = isGoogle ? scope.slice(GOOGLE_AUTH.length) : scope.replace(/^https:\/\/graph\.microsoft\.com\//i, '');
  const table = isGoogle || /^https?:\/\//.test(name) ? GOOGLE : [...GRAPH, ...GOOGLE];
  const row = table.find(([re]) => re.test(name));
  return { scope, short: name, reach: row?.[1] ?? 'other', level: row?.[2] ?? 'medium' };
}

const RANK: Record<ReachLevel, number> = { low: 0, medium: 1, high: 2 };
const LEVELS: readonly ReachLevel[] = ['low', 'medium', 'high'];

export function maxLevel(levels: readonly ReachLevel[]): ReachLevel {
  return levels.reduce<ReachLevel>((a, b) => (RANK[b] > RANK[a] ? b : a), 'low');
}

/**
 * Severity of one app's grants: the highest scope level, raised one step when any grant covers the
 * whole tenant (admin consent or app-only), since one consent then reaches every user's data.
 */
export function severityOf(scopes: readonly ScopeReach[], tenantWide: boolean): ReachLevel {
  const base = maxLevel(scopes.map((s) => s.level));
  return tenantWide ? LEVELS[Math.min(RANK[base] + 1, 2)]! : base;
}

/** High scopes first, then medium, then low; first-seen order within a level. */
export function byLevel(scopes: readonly ScopeReach[]): ScopeReach[] {
  return scopes.map((s, i) => [s, i] as const).sort((a, b) => RANK[b[0].level] - RANK[a[0].level] || a[1] - b[1]).map(([s]) => s);
}
