/**
 * Escapes text for HTML element content and quoted attribute values. Everything from the tenant
 * (display names, app names, reasons) passes through here: a name like `<script>` must show as text.
 */
export function esc(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
