#!/bin/sh
# One-shot set-up of the archive's bucket and MinIO account (the compose service
# `minio-setup`; safe to run again). The application gets an account of its own whose
# policy (archive-policy.json) lacks s3:BypassGovernanceRetention: with it, even the
# application itself cannot remove or shorten the WORM retention of an original. The
# root account stays with the administrators.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
# Object lock can only be switched on when a bucket is made; it implies versioning.
mc mb --ignore-existing --with-lock "local/$ARCHIVE_S3_BUCKET"
mc version enable "local/$ARCHIVE_S3_BUCKET"
sed "s/arn:aws:s3:::archive/arn:aws:s3:::$ARCHIVE_S3_BUCKET/g" /setup/archive-policy.json >/tmp/policy.json
mc admin policy create local archive-app /tmp/policy.json
mc admin user add local "$ARCHIVE_S3_ACCESS_KEY" "$ARCHIVE_S3_SECRET_KEY"
mc admin policy attach local archive-app --user "$ARCHIVE_S3_ACCESS_KEY" 2>/dev/null || true
echo "archive bucket and account ready"
