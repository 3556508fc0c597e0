import { performance } from 'node:perf_hooks';
import { accessToken, graphGet, trustingAgent, type GraphDouble, type RecordedRequest } from '../fixtures/m365/index.ts';

/**
 * What the Graph double and the transport cost on their own. The double runs in the bench's
 * process, so a run's CPU time includes rendering every page the agent asks for. Replaying the
 * run's successful Graph GETs with a bare HTTPS client (no SDK, no mapping, no store; one
 * JSON.parse per body, like the agent) measures that share; the rest of the run's CPU is the agent.
 */

export interface DoubleBaseline {
  requests: number;
  /** Sequential replay, so this is the sum of every request's time, latency included. */
  wallMs: number;
  cpuMs: number;
  bodyBytes: number;
}

export async function replayGraphCalls(double: GraphDouble, requests: readonly RecordedRequest[]): Promise<DoubleBaseline> {
  const gets = requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1.0/') && r.status === 200);
  const quotaWas = double.quirks().enforceReportsQuota;
  double.setQuirks({ enforceReportsQuota: false }); // a replay as fast as it goes would hit the reports quota
  const agent = trustingAgent(double);
  try {
    const token = await accessToken(agent, double);
    let bodyBytes = 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (const r of gets) {
      const qs = new URLSearchParams(r.query).toString();
      const res = await graphGet(agent, double, `${r.path}${qs ? `?${qs}` : ''}`, token);
      if (res.status !== 200) throw new Error(`replaying GET ${r.path} answered ${res.status}: ${res.text.slice(0, 200)}`);
      bodyBytes += Buffer.byteLength(res.text);
    }
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { requests: gets.length, wallMs, cpuMs: (used.user + used.system) / 1000, bodyBytes };
  } finally {
    double.setQuirks({ enforceReportsQuota: quotaWas });
    await agent.close();
  }
}
