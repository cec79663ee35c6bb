/**
 * Schema of one pgBackRest repository definition: the values of `pgbackrest_repo` (a map from
 * method name to repository; reference §7.1–7.2). Each key `k` is written to pgbackrest.conf as
 * `repo1-<k with _ → ->=<value>`, so the fields are pgBackRest's repository options in snake_case.
 * Pure: imports only zod; must not import I/O modules.
 */
import * as z from "zod";
import { field, nonNegativeInt, port, yesNo } from "./common.js";

export const REPO_TYPES = ["posix", "s3", "azure", "gcs", "cifs", "sftp"] as const;
export const RETENTION_FULL_TYPES = ["count", "time"] as const;
export const RETENTION_ARCHIVE_TYPES = ["full", "diff", "incr"] as const;
export const CIPHER_TYPES = ["none", "aes-256-cbc"] as const;

/** A size as pgBackRest writes it: '20MiB', '128MiB', or a number of bytes. */
const size = z.union([z.string(), nonNegativeInt]);

/** One repository. */
export const pgbackrestRepoSchema = z
  .strictObject({
    type: field(z.enum(REPO_TYPES), "Repository storage type: posix (default, a local or mounted filesystem), s3, azure, gcs, cifs or sftp."),
    path: field(z.string(), "Repository path: a directory for posix (e.g. /pg/backup) or the prefix inside the bucket (e.g. /pgbackrest)."),
    host: field(z.string(), "Repository host for a remote repository reached over pgBackRest's TLS/SSH protocol."),
    retention_full_type: field(z.enum(RETENTION_FULL_TYPES), "How retention_full is counted: count (number of full backups) or time (days)."),
    retention_full: field(nonNegativeInt, "Full backups to keep: a count, or days when retention_full_type is time."),
    retention_diff: field(nonNegativeInt, "Differential backups to keep."),
    retention_archive: field(nonNegativeInt, "Backups whose WAL archive is kept (see retention_archive_type)."),
    retention_archive_type: field(z.enum(RETENTION_ARCHIVE_TYPES), "Backup type retention_archive counts: full, diff or incr."),
    retention_history: field(nonNegativeInt, "Days of backup history manifests to keep."),
    block: field(yesNo, "y: block-level incremental backup (pgBackRest 2.46+; requires bundle)."),
    bundle: field(yesNo, "y: bundle small files into larger ones (recommended on object storage)."),
    bundle_limit: field(size, "Files smaller than this are bundled, e.g. 20MiB."),
    bundle_size: field(size, "Target size of a bundle, e.g. 128MiB."),
    hardlink: field(yesNo, "y: hard-link unchanged files in differential/incremental backups (posix only)."),
    cipher_type: field(z.enum(CIPHER_TYPES), "Repository encryption: none or aes-256-cbc."),
    cipher_pass: field(
      z.string(),
      "Encryption passphrase used with cipher_type aes-256-cbc; '${pg_cluster}' is replaced by the cluster name. Secret.",
    ),
    s3_endpoint: field(z.string(), "S3 endpoint host, e.g. sss.pigsty for the bundled MinIO."),
    s3_region: field(z.string(), "S3 region, e.g. us-east-1 (not significant for MinIO)."),
    s3_bucket: field(z.string(), "S3 bucket name, e.g. pgsql."),
    s3_key: field(z.string(), "S3 access key id."),
    s3_key_secret: field(z.string(), "S3 secret access key. Secret."),
    s3_key_type: field(z.enum(["shared", "auto", "web-id"]), "How S3 credentials are obtained: shared (keys given here), auto (instance role) or web-id."),
    s3_token: field(z.string(), "S3 session token for temporary credentials. Secret."),
    s3_role: field(z.string(), "S3 IAM role name used with s3_key_type auto."),
    s3_kms_key_id: field(z.string(), "S3 SSE-KMS key id for server-side encryption."),
    s3_sse_customer_key: field(z.string(), "S3 SSE-C customer key for server-side encryption. Secret."),
    s3_uri_style: field(z.enum(["host", "path"]), "S3 URI style: host (virtual-hosted, default) or path (needed by MinIO)."),
    azure_account: field(z.string(), "Azure storage account."),
    azure_container: field(z.string(), "Azure container name."),
    azure_key: field(z.string(), "Azure shared key or SAS token. Secret."),
    azure_key_type: field(z.enum(["shared", "sas", "auto"]), "Azure key type: shared, sas or auto."),
    azure_uri_style: field(z.enum(["host", "path"]), "Azure URI style: host or path."),
    gcs_bucket: field(z.string(), "GCS bucket name."),
    gcs_endpoint: field(z.string(), "GCS endpoint, default storage.googleapis.com."),
    gcs_key: field(z.string(), "Path of the GCS service key file (or token)."),
    gcs_key_type: field(z.enum(["service", "token", "auto"]), "GCS key type: service, token or auto."),
    sftp_host: field(z.string(), "SFTP repository host."),
    sftp_host_port: field(port, "SFTP port, default 22."),
    sftp_host_user: field(z.string(), "SFTP user."),
    sftp_private_key_file: field(z.string(), "Path of the SFTP private key."),
    sftp_private_key_passphrase: field(z.string(), "Passphrase of the SFTP private key. Secret."),
    sftp_public_key_file: field(z.string(), "Path of the SFTP public key."),
    sftp_host_key_hash_type: field(z.string(), "Hash type of the SFTP host key fingerprint, e.g. sha256."),
    sftp_host_key_check_type: field(z.enum(["strict", "accept-new", "fingerprint", "none"]), "How the SFTP host key is checked."),
    sftp_known_host: field(z.array(z.string()), "Known-hosts files for SFTP host key checking."),
    storage_host: field(z.string(), "Host to connect to instead of the endpoint (S3/GCS/Azure)."),
    storage_port: field(port, "Storage port, e.g. 9000 for MinIO; default 443."),
    storage_ca_file: field(z.string(), "CA file to verify the storage TLS certificate, e.g. /etc/pki/ca.crt."),
    storage_ca_path: field(z.string(), "Directory of CA certificates to verify the storage TLS certificate."),
    storage_verify_tls: field(yesNo, "y (default): verify the storage TLS certificate; n: do not."),
    storage_upload_chunk_size: field(size, "Upload chunk size for object storage."),
  })
  .meta({ title: "repo", description: "A pgBackRest repository (values of pgbackrest_repo); keys become repo1-<key> options." });

export type PgBackrestRepo = z.output<typeof pgbackrestRepoSchema>;

/** Secret paths inside `pgbackrest_repo` (relative to the map; `*` is the method name). */
export const PGBACKREST_REPO_SENSITIVE = [
  "*.s3_key_secret",
  "*.cipher_pass",
  "*.s3_token",
  "*.s3_sse_customer_key",
  "*.azure_key",
  "*.sftp_private_key_passphrase",
] as const;
