import { rootCertificates } from 'node:tls';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import type { ConnectorContext } from '../../src/core/connector.ts';
import type { M365Config } from './config-schema.ts';
import { CLOUDS } from './clouds.ts';

export interface M365Endpoints {
  graph: string;
  authority: string;
}

export function resolveEndpoints(config: M365Config): M365Endpoints {
  const cloud = CLOUDS[config.cloud];
  const trim = (u: string) => u.replace(/\/+$/, '');
  return { graph: trim(config.endpoints.graph ?? cloud.graph), authority: trim(config.endpoints.authority ?? cloud.authority) };
}

/**
 * Builds the app-only credential. The secret or certificate is read here, at the last moment,
 * through the resolver (which remembers it so logs can scrub it) and is never stored elsewhere.
 */
export async function createCredential(ctx: ConnectorContext<M365Config>, endpoints: M365Endpoints): Promise<TokenCredential> {
  const { config } = ctx;
  const isDefaultAuthority = Object.values(CLOUDS).some((c) => c.authority === endpoints.authority);
  const options = {
    authorityHost: endpoints.authority,
    // Instance discovery asks Microsoft's public endpoint about the authority; a custom
    // authority (proxy, test double) cannot answer it, so it is skipped only then.
    disableInstanceDiscovery: !isDefaultAuthority,
    ...(ctx.http.ca ? { tlsOptions: { ca: [...rootCertificates, ctx.http.ca] } } : {}),
  };
  if (config.auth.method === 'client_secret') {
    const secret = await ctx.secrets.resolve(config.auth.secret, `${ctx.instance} client secret`);
    return new ClientSecretCredential(config.tenantId, config.clientId, secret, options);
  }
  const passphrase = config.auth.passphrase ? await ctx.secrets.resolve(config.auth.passphrase, `${ctx.instance} certificate passphrase`) : undefined;
  return new ClientCertificateCredential(
    config.tenantId,
    config.clientId,
    { certificatePath: config.auth.certificateFile, ...(passphrase ? { certificatePassword: passphrase } : {}) },
    options,
  );
}
