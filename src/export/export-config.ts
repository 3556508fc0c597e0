import { z } from 'zod';

/**
 * Config key `export:` (optional). Where the Ed25519 signing key pair of export packages lives.
 * @default keyDir: `keys/` next to the evidence store (the folder of `store.path`)
 */
export const exportConfig = z
  .object({
    /** Folder holding `export-signing-key.pem` (private, mode 0600) and `export-signing-key.pub.pem`; relative paths resolve against the config file's folder. */
    keyDir: z.string().min(1).optional(),
  })
  .strict();
export type ExportConfig = z.infer<typeof exportConfig>;
