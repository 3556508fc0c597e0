/** What the rest of Evidentia (the CLI, the daemon) uses of alerting. */
export { createAlerting } from './create-alerting.ts';
export type { AfterRunReport, Alerting, AlertingOptions, ChannelTestResult } from './create-alerting.ts';
export { openAlerting } from './open-alerting.ts';
export type { ConnectorHealth } from './connector-findings.ts';
export { connectorOverdueObservation } from './connector-findings.ts';
export type { DeliveryReport, DeliveryOutcome } from './deliver-due.ts';
export type { AlertStore } from './alert-store.ts';
export { EVENT_TYPES, SEVERITIES } from './finding.ts';
export type { EventType, Severity } from './finding.ts';
