# Create the role and a new key
aws cloudformation deploy \
  --profile byok \
  --template-file byok-role.yaml \
  --stack-name byok-role-acme-7k2q \
  --capabilities CAPABILITY_NAMED_IAM \
  --parameter-overrides \
    ExistingKeyArn= \
  --region eu-west-1

# Or: create the role for an existing key
aws cloudformation deploy \
  --profile byok \
  --template-file byok-role.yaml \
  --stack-name byok-role-acme-7k2q \
  --capabilities CAPABILITY_NAMED_IAM \
  --parameter-overrides \
    ExistingKeyArn=arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d \
  --region eu-west-1

# Print the onboarding payload
aws cloudformation describe-stacks \
  --profile byok \
  --region eu-west-1 \
  --stack-name byok-role-acme-7k2q \
  --query "Stacks[0].Outputs[?OutputKey==\`OnboardingPayload\`].OutputValue" \
  --output text

# Optional: the role's trust policy
aws iam get-role \
  --profile byok \
  --role-name byok-access-acme-7k2q \
  --query Role.AssumeRolePolicyDocument \
  --output json

# Optional: the role's permissions policy
aws iam get-role-policy \
  --profile byok \
  --role-name byok-access-acme-7k2q \
  --policy-name byok-key-use \
  --query PolicyDocument \
  --output json

# Optional: the key
aws kms describe-key \
  --profile byok \
  --key-id arn:aws:kms:eu-west-1:123456789012:key/5d2f8c1a-3b4e-4f6a-9c7d-1e2f3a4b5c6d \
  --region eu-west-1

# Optional: must be refused with AccessDenied (only the platform may assume the role)
aws sts assume-role \
  --profile byok \
  --role-arn arn:aws:iam::123456789012:role/byok-access-acme-7k2q \
  --role-session-name byok-validate \
  --external-id byok-Q2hvb3NlLWEtcmFuZG9tLWlk
