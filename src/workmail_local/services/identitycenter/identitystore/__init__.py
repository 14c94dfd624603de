"""IAM Identity Center identity store (identitystore, target prefix ``AWSIdentityStore``): users and groups."""
