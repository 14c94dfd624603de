"""IAM Identity Center admin (sso-admin, target prefix ``SWBExternalService``): the subset WorkMail needs."""
