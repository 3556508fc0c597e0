import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { ConnectorContext } from '../../src/core/connector.ts';
import type { AwsIamConfig } from './config-schema.ts';
import { regionOf } from './config-schema.ts';

// The SDK prints a notice that Node 20 support ends; the project pins Node 20 on purpose
// (docs/dependencies). Only set when the operator has not chosen otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type AwsCredentials = NonNullable<IAMClientConfig['credentials']>;

/**
 * The base credentials: static keys from secrets when configured, else the SDK's default chain
 * (environment, shared config/SSO profile, web identity, container and instance roles). The chain
 * is only built when no static keys are given, so tests with static keys never touch the machine's
 * own AWS configuration.
 */
export async function baseCredentials(ctx: ConnectorContext<AwsIamConfig>): Promise<AwsCredentials> {
  const c = ctx.config.credentials;
  if (c.static) {
    const label = `${ctx.instance} AWS`;
    const accessKeyId = await ctx.secrets.resolve(c.static.accessKeyId, `${label} access key id`);
    const secretAccessKey = await ctx.secrets.resolve(c.static.secretAccessKey, `${label} secret access key`);
    const sessionToken = c.static.sessionToken ? await ctx.secrets.resolve(c.static.sessionToken, `${label} session token`) : undefined;
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  return fromNodeProviderChain({ ...(c.profile ? { profile: c.profile } : {}), clientConfig: { region: regionOf(ctx.config) } });
}

type Service = keyof AwsIamConfig['endpoints'];

/**
 * Settings every client shares: `maxAttempts: 1` (our retry loop decides, see aws-call.ts), the
 * run's per-attempt timeout, extra trusted CAs for TLS-inspecting proxies, and the endpoint
 * override when configured (otherwise the SDK resolves the partition's endpoint from the region).
 */
function clientConfig(ctx: ConnectorContext<AwsIamConfig>, service: Service, region: string, credentials: AwsCredentials) {
  const endpoint = ctx.config.endpoints[service];
  const ca = ctx.http.ca;
  return {
    region,
    credentials,
    maxAttempts: 1,
    ...(endpoint ? { endpoint } : {}),
    requestHandler: {
      // The handler only warns on `requestTimeout` unless told to throw; we want the attempt to
      // fail (TimeoutError, retried by our policy), as every other connector's timeout does.
      requestTimeout: ctx.http.timeoutMs ?? 60_000,
      throwOnRequestTimeout: true,
      connectionTimeout: 10_000,
      ...(ca ? { httpsAgent: new Agent({ keepAlive: true, ca: [...rootCertificates, ca] }) } : {}),
    },
  };
}

/** One client per (service, credentials); each is destroyed when the connector is done. */
export function createClients(ctx: ConnectorContext<AwsIamConfig>) {
  const region = regionOf(ctx.config);
  const track = <T extends { destroy(): void }>(client: T): T => {
    ctx.defer(() => client.destroy());
    return client;
  };
  return {
    iam: (credentials: AwsCredentials) => track(new IAMClient(clientConfig(ctx, 'iam', region, credentials))),
    sts: (credentials: AwsCredentials) => track(new STSClient(clientConfig(ctx, 'sts', region, credentials))),
    organizations: (credentials: AwsCredentials) => track(new OrganizationsClient(clientConfig(ctx, 'organizations', region, credentials))),
    identitystore: (credentials: AwsCredentials, storeRegion: string) => track(new IdentitystoreClient(clientConfig(ctx, 'identitystore', storeRegion, credentials))),
  };
}
export type AwsClients = ReturnType<typeof createClients>;
