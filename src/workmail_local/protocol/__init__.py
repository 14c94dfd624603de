"""The AWS JSON 1.1 protocol, driven by botocore models; knows nothing about WorkMail."""
