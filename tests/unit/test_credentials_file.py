"""The credentials file: the AWS shared-credentials format, and clear errors for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from workmail_local.credentials import AccessKey, CredentialsFileError, load_credentials_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "credentials"
    path.write_text(text)
    return path


def test_profiles_map_keys_to_secrets_and_accounts(tmp_path: Path) -> None:
    path = write(tmp_path, """
# a comment
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = s3cret/with+chars=
account_id = 111122223333

[newer-sdk]
aws_access_key_id=AKIANEWER
aws_secret_access_key=other
aws_account_id=444455556666
aws_session_token=ignored
region=eu-west-1

[twelve-digit-key]
aws_access_key_id = 777788889999
aws_secret_access_key = x

[plain]
aws_access_key_id = AKIAPLAIN
aws_secret_access_key = y

[profile sso-only]
sso_start_url = https://example.awsapps.com/start
""")
    assert load_credentials_file(path) == {
        "AKIADEFAULT": AccessKey("AKIADEFAULT", "s3cret/with+chars=", "111122223333", "default"),
        "AKIANEWER": AccessKey("AKIANEWER", "other", "444455556666", "newer-sdk"),
        "777788889999": AccessKey("777788889999", "x", "777788889999", "twelve-digit-key"),
        "AKIAPLAIN": AccessKey("AKIAPLAIN", "y", "000000000000", "plain"),
    }


def test_the_same_key_twice_with_the_same_values_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "[a]\naws_access_key_id=K\naws_secret_access_key=S\n"
                           "[b]\naws_access_key_id=K\naws_secret_access_key=S\n")
    assert load_credentials_file(path)["K"].profile == "a"


@pytest.mark.parametrize(("text", "message"), [
    ("aws_access_key_id = K\n", "is malformed: line 1 comes before any [profile] header: 'aws_access_key_id = K'"),
    ("[a]\naws_access_key_id = K\njust words\n", "is malformed: lines that are not 'name = value': line 3: 'just words'"),
    ("[a]\naws_access_key_id=K\naws_secret_access_key=S\n[a]\n", "is malformed: profile [a] appears twice (line 4)"),
    ("[a]\naws_access_key_id=K\naws_access_key_id=L\n", "is malformed: aws_access_key_id appears twice in profile [a]"),
    ("[a]\naws_access_key_id = K\n", "profile [a]: aws_access_key_id without aws_secret_access_key"),
    ("[a]\naws_secret_access_key = S\n", "profile [a]: aws_secret_access_key without aws_access_key_id"),
    ("[a]\naws_access_key_id=K\naws_secret_access_key=S\naccount_id=12345\n",
     "profile [a]: the account ID must be 12 digits, got '12345'"),
    ("[a]\naws_access_key_id=K\naws_secret_access_key=S\naccount_id=111122223333\naws_account_id=444455556666\n",
     "profile [a]: account_id and aws_account_id disagree"),
    ("[a]\naws_access_key_id=K/1\naws_secret_access_key=S\n",
     "profile [a]: aws_access_key_id 'K/1' cannot appear in a SigV4 credential"),
    ("[a]\naws_access_key_id=K\naws_secret_access_key=S\n[b]\naws_access_key_id=K\naws_secret_access_key=T\n",
     "access key K appears in profiles [a] and [b] with different secrets or accounts"),
    ("[a]\nregion = us-east-1\n", "defines no access key"),
    ("", "defines no access key"),
])
def test_malformed_files_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CredentialsFileError) as info:
        load_credentials_file(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CredentialsFileError, match=r"cannot read credentials file .*/nope: No such file"):
        load_credentials_file(tmp_path / "nope")


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[a]\naws_access_key_id=\xff\xfe\n")
    with pytest.raises(CredentialsFileError, match="is not UTF-8 text"):
        load_credentials_file(path)
