/**
 * AWS partitions: each is a separate AWS with its own ARNs (`arn:<partition>:…`), regions and
 * endpoints. IAM is global within a partition and signed in its home region; the SDK resolves the
 * endpoints below from the region, so they are listed here for the README and the `check` output.
 */
export const PARTITIONS = {
  aws: { defaultRegion: 'us-east-1', regionPrefix: /^(?!us-gov-|cn-)[a-z]{2}-[a-z]+-\d$/, iamEndpoint: 'https://iam.amazonaws.com' },
  'aws-us-gov': { defaultRegion: 'us-gov-west-1', regionPrefix: /^us-gov-[a-z]+-\d$/, iamEndpoint: 'https://iam.us-gov.amazonaws.com' },
  'aws-cn': { defaultRegion: 'cn-north-1', regionPrefix: /^cn-[a-z]+-\d$/, iamEndpoint: 'https://iam.cn-north-1.amazonaws.com.cn' },
} as const;

export type PartitionId = keyof typeof PARTITIONS;
export const PARTITION_IDS = Object.keys(PARTITIONS) as [PartitionId, ...PartitionId[]];

export function roleArnFor(partition: PartitionId, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}
