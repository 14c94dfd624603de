#!/usr/bin/env bash
# WorkMail Local walk-through: a mailbox user signs in to IAM Identity Center (IdC) with
# a password and an authenticator code, creates a personal access token (PAT), and logs
# in over IMAP with it through a real Dovecot, while the directory password is refused.
# When the server serves SMTPS (serve --smtps-port … --lmtp … --mail-dir …), the last steps
# send with the token over SMTPS to a group's alias, and two members read it over IMAPS.
#
# Needs a running server (ENDPOINT, default http://127.0.0.1:8038; the script waits up to
# WAIT=60 seconds for it to answer), the AWS CLI, curl
# (7.76 or newer), Dovecot (apt-get install dovecot-imapd dovecot-lmtpd), `workmail-local`, and a
# Python with pyotp (PYTHON, default python3). From a checkout, the project's venv has
# all of them but curl and Dovecot:
#
#     PATH="$PWD/.venv/bin:$PATH" examples/walkthrough.sh
#
# Each run creates its own organization and users (their names end in RUN, random by
# default), so it can run again on the same server. Exit status 0 means every step worked.
set -euo pipefail

ENDPOINT="${ENDPOINT:-http://127.0.0.1:8038}"
PYTHON="${PYTHON:-python3}"
RUN="${RUN:-$RANDOM}"
ACCOUNT=123456789012
REGION=us-east-1
ALIAS="acme-$RUN"
USER_NAME="ann-$RUN"
EMAIL="$USER_NAME@$ALIAS.awsapps.com"
DIRECTORY_PASSWORD="Directory-Pass-1"
IDC_PASSWORD="IdC-Password-2"
BOB_NAME="bob-$RUN"
BOB_EMAIL="$BOB_NAME@$ALIAS.awsapps.com"
GROUP_NAME="team-$RUN"
GROUP_ALIAS="everyone-$RUN@$ALIAS.awsapps.com"

# The access key is the account: the AWS CLI is account 123456789012 here, and the control
# API calls below name the same account in their bodies.
export AWS_ACCESS_KEY_ID=$ACCOUNT AWS_SECRET_ACCESS_KEY=any AWS_DEFAULT_REGION=$REGION AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "walkthrough: $*" >&2; exit 1; }
# Member $1 of the JSON object on stdin.
field() { "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# POST the JSON on stdin to the control API path $1; print the answer; fail on an HTTP error.
control() { curl -sS --fail-with-body -w '\n' -H 'Content-Type: application/json' -d @- "$ENDPOINT/_workmail-local$1"; }
# Log in over IMAP to Dovecot as $1 with secret $2, then open INBOX; fail when refused.
imap_login() {
  "$PYTHON" - "$IMAP_PORT" "$1" "$2" <<'PY'
import imaplib, sys
port, user, secret = sys.argv[1:]
with imaplib.IMAP4("127.0.0.1", int(port), timeout=30) as imap:
    try:
        status, data = imap.login(user, secret)
    except imaplib.IMAP4.error as refused:
        reason = refused.args[0]
        sys.exit(f"IMAP LOGIN refused: {reason.decode() if isinstance(reason, bytes) else reason}")
    print(f"IMAP LOGIN {status}: {data[0].decode()}")
    status, data = imap.select("INBOX")
    print(f"IMAP SELECT INBOX {status}: {data[0].decode()} messages")
PY
}

# Print the subjects in INBOX, read over IMAPS as $1 with secret $2, trusting the certificate $3.
imaps_subjects() {
  "$PYTHON" - "$IMAPS_PORT" "$1" "$2" "$3" <<'PY'
import imaplib, ssl, sys
port, user, secret, cert = sys.argv[1:]
with imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ssl.create_default_context(cafile=cert)) as imap:
    imap.login(user, secret)
    imap.select("INBOX", readonly=True)
    for number in imap.search(None, "ALL")[1][0].split():
        header = imap.fetch(number, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1].decode()
        subject = header.partition(":")[2].strip()
        print(f"IMAPS {user} INBOX: {subject}")
PY
}
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Wait until Dovecot listens on port $1 (fail when it stops or does not within 15 s).
wait_port() {
  for _ in $(seq 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$DOVECOT_PID" 2>/dev/null \
      || fail "Dovecot stopped: $(cat "$DOVECOT_DIR/dovecot.out" "$DOVECOT_DIR/dovecot.log" 2>/dev/null)"
    sleep 0.1
  done
  fail "Dovecot is not listening on $1"
}

DOVECOT_PID=""
DOVECOT_DIR=""
stop_dovecot() {
  if [ -n "$DOVECOT_PID" ] && kill -0 "$DOVECOT_PID" 2>/dev/null; then
    kill "$DOVECOT_PID"
    wait "$DOVECOT_PID" 2>/dev/null || true
  fi
  DOVECOT_PID=""
}
# Whatever happens (a failed step, Ctrl-C), Dovecot does not outlive the script.
trap 'stop_dovecot; [ -z "$DOVECOT_DIR" ] || rm -rf "$DOVECOT_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "0. Check the tools and the server at $ENDPOINT"
for tool in aws curl workmail-local dovecot "$PYTHON"; do
  command -v "$tool" >/dev/null || fail "$tool is not on PATH (see the comment at the top of $0)"
done
"$PYTHON" -c 'import pyotp' 2>/dev/null \
  || fail "$PYTHON cannot import pyotp: set PYTHON to a Python that has it (the project's .venv/bin/python does)"
# The server may still be starting (scripts/serve … & just before): wait up to WAIT seconds.
for _ in $(seq $((${WAIT:-60} * 5))); do
  curl -sS -o /dev/null "$ENDPOINT/_workmail-local/health" 2>/dev/null && break
  sleep 0.2
done
curl -sS --fail-with-body -w '\n' "$ENDPOINT/_workmail-local/health" \
  || fail "no WorkMail Local at $ENDPOINT after ${WAIT:-60} s: start one (scripts/serve) or set ENDPOINT"

step "1. Create the organization $ALIAS"
ORG_ID=$(aws workmail create-organization --alias "$ALIAS" \
  --endpoint-url "$ENDPOINT" --query OrganizationId --output text)
echo "OrganizationId: $ORG_ID"

step "2. Create the mailbox user $USER_NAME with a directory password, and give it a mailbox"
USER_ID=$(aws workmail create-user --organization-id "$ORG_ID" --name "$USER_NAME" --display-name Ann \
  --password "$DIRECTORY_PASSWORD" --endpoint-url "$ENDPOINT" --query UserId --output text)
aws workmail register-to-work-mail --organization-id "$ORG_ID" --entity-id "$USER_ID" --email "$EMAIL" \
  --endpoint-url "$ENDPOINT"
echo "UserId: $USER_ID  Email: $EMAIL"

step "3. Create the IdC user $USER_NAME in the account's IdC instance"
INSTANCE=$(aws sso-admin list-instances \
  --endpoint-url "$ENDPOINT" --query 'Instances[0].[InstanceArn,IdentityStoreId]' --output text)
read -r INSTANCE_ARN STORE_ID <<<"$INSTANCE"
IDC_USER_ID=$(aws identitystore create-user --identity-store-id "$STORE_ID" --user-name "$USER_NAME" \
  --display-name Ann --name GivenName=Ann,FamilyName=Example \
  --endpoint-url "$ENDPOINT" --query UserId --output text)
echo "InstanceArn: $INSTANCE_ARN  IdentityStoreId: $STORE_ID"
echo "IdC UserId: $IDC_USER_ID"

step "4. Give the IdC user a password and an authenticator app (control API: AWS has no API for these)"
control /identitycenter/password <<EOF
{"AccountId": "$ACCOUNT", "IdentityStoreId": "$STORE_ID", "UserId": "$IDC_USER_ID", "Password": "$IDC_PASSWORD"}
EOF
MFA=$(control /identitycenter/mfa <<EOF
{"AccountId": "$ACCOUNT", "IdentityStoreId": "$STORE_ID", "UserId": "$IDC_USER_ID"}
EOF
)
echo "$MFA"
MFA_SECRET=$(field Secret <<<"$MFA")

step "5. Create WorkMail's IdC application"
APP_ARN=$(aws workmail create-identity-center-application --name WorkMail --instance-arn "$INSTANCE_ARN" \
  --endpoint-url "$ENDPOINT" --query ApplicationArn --output text)
echo "ApplicationArn: $APP_ARN"

step "6. Assign the IdC user to the application"
aws sso-admin create-application-assignment --application-arn "$APP_ARN" --principal-id "$IDC_USER_ID" \
  --principal-type USER --endpoint-url "$ENDPOINT"
aws sso-admin list-application-assignments --application-arn "$APP_ARN" \
  --endpoint-url "$ENDPOINT" --query 'ApplicationAssignments[].[PrincipalType,PrincipalId]' --output text

step "7. Switch the organization to IdC only, with personal access tokens valid for 30 days"
aws workmail put-identity-provider-configuration --organization-id "$ORG_ID" \
  --authentication-mode IDENTITY_PROVIDER_ONLY \
  --identity-center-configuration "InstanceArn=$INSTANCE_ARN,ApplicationArn=$APP_ARN" \
  --personal-access-token-configuration Status=ACTIVE,LifetimeInDays=30 --endpoint-url "$ENDPOINT"
aws workmail describe-identity-provider-configuration --organization-id "$ORG_ID" \
  --endpoint-url "$ENDPOINT" --output json

step "8. Sign in to IdC: the password alone is refused, the password and a code are accepted"
REFUSED=$(curl -sS -w ' HTTP %{http_code}' -H 'Content-Type: application/json' -d @- \
  "$ENDPOINT/_workmail-local/identitycenter/signin" <<EOF
{"AccountId": "$ACCOUNT", "IdentityStoreId": "$STORE_ID", "UserName": "$USER_NAME", "Password": "$IDC_PASSWORD"}
EOF
)
echo "$REFUSED"
[[ $REFUSED == *" HTTP 401" ]] || fail "the sign-in without a code was not refused with HTTP 401"
# The code your authenticator app would show, at the emulator's clock (real time unless advanced).
NOW=$(curl -sS --fail-with-body "$ENDPOINT/_workmail-local/clock" | field now)
OTP=$("$PYTHON" -c 'import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).at(float(sys.argv[2])))' "$MFA_SECRET" "$NOW")
echo "Authenticator code: $OTP"
SESSION=$(control /identitycenter/signin <<EOF
{"AccountId": "$ACCOUNT", "IdentityStoreId": "$STORE_ID", "UserName": "$USER_NAME", "Password": "$IDC_PASSWORD", "Otp": "$OTP"}
EOF
)
echo "$SESSION"
SESSION_TOKEN=$(field SessionToken <<<"$SESSION")
echo "The sign-in linked the mailbox user to the IdC user:"
aws workmail describe-user --organization-id "$ORG_ID" --user-id "$USER_ID" --endpoint-url "$ENDPOINT" \
  --query '[IdentityProviderUserId,IdentityProviderIdentityStoreId]' --output text

step "9. Create a personal access token, as the signed-in user does in the WorkMail web app"
PAT=$(control /workmail/personal-access-tokens <<EOF
{"AccountId": "$ACCOUNT", "SessionToken": "$SESSION_TOKEN", "OrganizationId": "$ORG_ID", "Name": "laptop"}
EOF
)
echo "$PAT"
TOKEN=$(field Token <<<"$PAT")

step "10. Start Dovecot (IMAP; IMAPS and LMTP too when the server serves SMTPS), asking WorkMail Local about every login"
DOVECOT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/workmail-walkthrough.XXXXXX")
IMAP_PORT="${IMAP_PORT:-$(free_port)}"
(exec 3<>"/dev/tcp/127.0.0.1/$IMAP_PORT") 2>/dev/null && fail "port $IMAP_PORT is already in use"
# Where the server serves mail: SMTPS, its certificate, the LMTP it delivers to, the mailboxes.
MAIL_INFO=$(curl -sS --fail-with-body "$ENDPOINT/_workmail-local/mail")
echo "$MAIL_INFO"
SMTPS=$(field Smtps <<<"$MAIL_INFO")
MAIL_ARGS=()
if [ "$SMTPS" != None ]; then
  LMTP=$(field Lmtp <<<"$MAIL_INFO")
  [ "$LMTP" != None ] || fail "the server serves SMTPS but delivers nowhere: start it with --lmtp 127.0.0.1:PORT"
  CERT=$(field TlsCertificate <<<"$MAIL_INFO")
  IMAPS_PORT="${IMAPS_PORT:-$(free_port)}"
  MAIL_ARGS=(--imaps-port "$IMAPS_PORT" --lmtp-port "${LMTP##*:}" --tls-cert "$CERT"
             --tls-key "$(field TlsKey <<<"$MAIL_INFO")" --mail-dir "$(field MailDir <<<"$MAIL_INFO")")
fi
CONFIG_OUT=$(workmail-local dovecot-config --dir "$DOVECOT_DIR" --port "$IMAP_PORT" --endpoint "$ENDPOINT" \
  ${MAIL_ARGS[@]+"${MAIL_ARGS[@]}"})
echo "$CONFIG_OUT"
START=$(tail -n 1 <<<"$CONFIG_OUT")
# exec: $! is Dovecot itself, so stopping it is one kill.
eval "exec $START" >"$DOVECOT_DIR/dovecot.out" 2>&1 &
DOVECOT_PID=$!
wait_port "$IMAP_PORT"
[ "$SMTPS" = None ] || { wait_port "$IMAPS_PORT"; wait_port "${LMTP##*:}"; }
echo "Dovecot is listening on 127.0.0.1:$IMAP_PORT (pid $DOVECOT_PID)"

step "11. Log in over IMAP with the personal access token"
imap_login "$EMAIL" "$TOKEN"

step "12. Log in over IMAP with the directory password: refused under IDENTITY_PROVIDER_ONLY"
imap_login "$EMAIL" "$DIRECTORY_PASSWORD" 2>&1 && fail "the directory password was accepted"
echo "Why, according to WorkMail Local's mailbox authentication endpoint:"
control /mailbox/authenticate <<EOF
{"Username": "$EMAIL", "Secret": "$DIRECTORY_PASSWORD", "Protocol": "IMAP"}
EOF

step "13. The admin's view: the token, with DateLastUsed set by the IMAP login"
TOKENS=$(aws workmail list-personal-access-tokens --organization-id "$ORG_ID" --user-id "$USER_ID" \
  --endpoint-url "$ENDPOINT" --output json)
echo "$TOKENS"
grep -q '"DateLastUsed"' <<<"$TOKENS" || fail "DateLastUsed is not set after the IMAP login"

if [ "$SMTPS" != None ]; then
  step "14. A second member, $BOB_NAME: a mailbox, an IdC user (no authenticator app) and a token"
  BOB_ID=$(aws workmail create-user --organization-id "$ORG_ID" --name "$BOB_NAME" --display-name Bob \
    --password "$DIRECTORY_PASSWORD" --endpoint-url "$ENDPOINT" --query UserId --output text)
  aws workmail register-to-work-mail --organization-id "$ORG_ID" --entity-id "$BOB_ID" --email "$BOB_EMAIL" \
    --endpoint-url "$ENDPOINT"
  BOB_IDC_ID=$(aws identitystore create-user --identity-store-id "$STORE_ID" --user-name "$BOB_NAME" \
    --display-name Bob --name GivenName=Bob,FamilyName=Example \
    --endpoint-url "$ENDPOINT" --query UserId --output text)
  control /identitycenter/password <<EOF
{"AccountId": "$ACCOUNT", "IdentityStoreId": "$STORE_ID", "UserId": "$BOB_IDC_ID", "Password": "$IDC_PASSWORD"}
EOF
  aws sso-admin create-application-assignment --application-arn "$APP_ARN" --principal-id "$BOB_IDC_ID" \
    --principal-type USER --endpoint-url "$ENDPOINT"
  BOB_SESSION=$(control /identitycenter/signin <<EOF | field SessionToken
{"AccountId": "$ACCOUNT", "IdentityStoreId": "$STORE_ID", "UserName": "$BOB_NAME", "Password": "$IDC_PASSWORD"}
EOF
)
  BOB_TOKEN=$(control /workmail/personal-access-tokens <<EOF | field Token
{"AccountId": "$ACCOUNT", "SessionToken": "$BOB_SESSION", "OrganizationId": "$ORG_ID", "Name": "phone"}
EOF
)
  echo "UserId: $BOB_ID  Email: $BOB_EMAIL  (and a personal access token)"

  step "15. A group $GROUP_NAME of both, with the alias $GROUP_ALIAS"
  GROUP_ID=$(aws workmail create-group --organization-id "$ORG_ID" --name "$GROUP_NAME" \
    --endpoint-url "$ENDPOINT" --query GroupId --output text)
  aws workmail register-to-work-mail --organization-id "$ORG_ID" --entity-id "$GROUP_ID" \
    --email "$GROUP_NAME@$ALIAS.awsapps.com" --endpoint-url "$ENDPOINT"
  aws workmail create-alias --organization-id "$ORG_ID" --entity-id "$GROUP_ID" --alias "$GROUP_ALIAS" \
    --endpoint-url "$ENDPOINT"
  for MEMBER in "$USER_ID" "$BOB_ID"; do
    aws workmail associate-member-to-group --organization-id "$ORG_ID" --group-id "$GROUP_ID" \
      --member-id "$MEMBER" --endpoint-url "$ENDPOINT"
  done
  aws workmail list-group-members --organization-id "$ORG_ID" --group-id "$GROUP_ID" \
    --endpoint-url "$ENDPOINT" --query 'Members[].[Type,Name]' --output text

  step "16. Send with Ann's token over SMTPS to the group's alias; both members read it over IMAPS"
  "$PYTHON" - "$SMTPS" "$CERT" "$EMAIL" "$TOKEN" "$GROUP_ALIAS" <<'PY'
import smtplib, ssl, sys
from email.message import EmailMessage
address, cert, sender, token, to = sys.argv[1:]
msg = EmailMessage()
msg["From"], msg["To"], msg["Subject"] = sender, to, "Hello, team"
msg.set_content("Sent over SMTPS with a personal access token.")
port = int(address.rpartition(":")[2])
with smtplib.SMTP_SSL("localhost", port, context=ssl.create_default_context(cafile=cert)) as smtp:
    smtp.login(sender, token)
    refused = smtp.send_message(msg)
print(f"SMTPS {address}: sent to {to}, refused: {refused or 'none'}")
PY
  imaps_subjects "$EMAIL" "$TOKEN" "$CERT"
  imaps_subjects "$BOB_EMAIL" "$BOB_TOKEN" "$CERT"
fi

step "$([ "$SMTPS" = None ] && echo 14 || echo 17). Stop Dovecot"
stop_dovecot
echo "Dovecot stopped"

printf '\nWalk-through complete: %s signed in with MFA, created a token and read INBOX over IMAP with it.\n' "$EMAIL"
[ "$SMTPS" = None ] || printf 'With it, mail went over SMTPS to %s, and %s and %s read it over IMAPS.\n' \
  "$GROUP_ALIAS" "$EMAIL" "$BOB_EMAIL"
