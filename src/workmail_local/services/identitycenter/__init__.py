"""IAM Identity Center: the sso-admin and identitystore subsets the WorkMail integration needs."""
