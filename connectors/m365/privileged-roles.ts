/**
 * Directory roles that can change identities, authentication, policy or tenant-wide data: holding
 * one makes an account privileged. Keyed by role template id (the same in every tenant), never by
 * display name, which admins can't change for built-ins but which is localised in some views.
 */
export const PRIVILEGED_ROLE_TEMPLATES: ReadonlyMap<string, string> = new Map([
  ['62e90394-69f5-4237-9190-012177145e10', 'Global Administrator'],
  ['e8611ab8-c189-46e8-94e1-60213ab1f814', 'Privileged Role Administrator'],
  ['7be44c8a-adaf-4e2a-84d6-ab2649e08a13', 'Privileged Authentication Administrator'],
  ['194ae4cb-b126-40b2-bd5b-6091b380977d', 'Security Administrator'],
  ['fe930be7-5e62-47db-91af-98c3a49a38b1', 'User Administrator'],
  ['9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', 'Application Administrator'],
  ['158c047a-c907-4556-b7ef-446551a6b5f7', 'Cloud Application Administrator'],
  ['8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', 'Hybrid Identity Administrator'],
  ['b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', 'Conditional Access Administrator'],
  ['c4e39bd9-1100-46d3-8c65-fb160da0071f', 'Authentication Administrator'],
  ['729827e3-9c14-49f7-bb1b-9608f156bbb8', 'Helpdesk Administrator'],
  ['966707d0-3269-4727-9be2-8c3a10f19b9d', 'Password Administrator'],
  ['3a2c62db-5318-420d-8d74-23affee5d9d5', 'Intune Administrator'],
  ['29232cdf-9323-42fd-ade2-1d097af3e4de', 'Exchange Administrator'],
  ['f28a1f50-f6e7-4571-818b-6a12f2af6b6c', 'SharePoint Administrator'],
]);

/** Read-only roles that still expose the whole directory's configuration: listed, not counted as admin. */
export const SENSITIVE_READ_ROLE_TEMPLATES: ReadonlyMap<string, string> = new Map([
  ['f2ef992c-3afb-46b9-b7cf-a126ee74c451', 'Global Reader'],
  ['5d6b6bb7-de71-4623-b4af-96380a352509', 'Security Reader'],
]);

export interface RoleDefinitionInfo {
  id: string;
  displayName: string;
  templateId: string | null;
  isPrivileged: boolean | null;
}

export function privilegeOf(def: RoleDefinitionInfo | undefined, roleDefinitionId: string): { privileged: boolean; reason: string } {
  const template = def?.templateId ?? roleDefinitionId;
  const name = def?.displayName ?? PRIVILEGED_ROLE_TEMPLATES.get(template) ?? `role ${roleDefinitionId}`;
  if (PRIVILEGED_ROLE_TEMPLATES.has(template)) return { privileged: true, reason: `${name} can change identities, authentication or tenant-wide settings` };
  if (def?.isPrivileged === true) return { privileged: true, reason: `Microsoft marks ${name} as a privileged role` };
  if (SENSITIVE_READ_ROLE_TEMPLATES.has(template)) return { privileged: false, reason: `${name} is read-only, though it can read the whole directory's configuration` };
  if (!def) return { privileged: false, reason: `${name} is not a known built-in role and its definition was not returned; treated as not privileged` };
  return { privileged: false, reason: `${name} is not in the list of privileged directory roles` };
}
