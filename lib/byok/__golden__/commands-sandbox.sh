# Create the keys (step 2)
aws cloudformation deploy \
  --profile byok \
  --template-file byok-kms-keys.yaml \
  --stack-name stratus-0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90-byok-keys \
  --parameter-overrides \
    PlatformRoleArn=arn:aws:iam::210987654321:role/byok-platform \
    PlatformAccountId=210987654321 \
    PlatformRegion=eu-west-1 \
    EnvironmentId=0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90 \
    BucketNamePrefix=stratus-0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90 \
  --region eu-west-1 \
  --endpoint-url http://127.0.0.1:4566

# Print the onboarding payload
aws cloudformation describe-stacks \
  --profile byok \
  --region eu-west-1 \
  --endpoint-url http://127.0.0.1:4566 \
  --stack-name stratus-0f3c6b2e-8d1a-4c5e-9b7f-2a6d8e4c1f90-byok-keys \
  --query "Stacks[0].Outputs[?OutputKey==\`OnboardingPayload\`].OutputValue" \
  --output text

# Add aliases and tags after provisioning (step 4), manually
aws kms create-alias \
  --profile byok \
  --region eu-west-1 \
  --endpoint-url http://127.0.0.1:4566 \
  --alias-name alias/stratus-objectstorage-byok-acme-7k2q \
  --target-key-id arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d

aws kms create-alias \
  --profile byok \
  --region eu-west-1 \
  --endpoint-url http://127.0.0.1:4566 \
  --alias-name alias/stratus-database-byok-acme-7k2q \
  --target-key-id arn:aws:kms:eu-west-1:123456789012:key/mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7

aws kms tag-resource \
  --profile byok \
  --region eu-west-1 \
  --endpoint-url http://127.0.0.1:4566 \
  --key-id arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d \
  --tags TagKey=stratus:automation:TenantName,TagValue=acme-7k2q

aws kms tag-resource \
  --profile byok \
  --region eu-west-1 \
  --endpoint-url http://127.0.0.1:4566 \
  --key-id arn:aws:kms:eu-west-1:123456789012:key/mrk-8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7 \
  --tags TagKey=stratus:automation:TenantName,TagValue=acme-7k2q

# Enable a key
aws kms enable-key --key-id arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d --region eu-west-1 --endpoint-url http://127.0.0.1:4566
