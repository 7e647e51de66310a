#!/usr/bin/env bash
# pgledger-sign checked against the openssl command line: its keys are
# OpenSSL's PKCS#8 keys, its signatures are plain Ed25519 over the 32 digest
# bytes, and every bad input ends with exit code 1 and a message.
# Usage: pgledger_sign_test.sh PATH_TO_PGLEDGER_SIGN
set -uo pipefail

sign_tool=${1:?usage: $0 PATH_TO_PGLEDGER_SIGN}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

hex_of_file() {
    od -An -v -tx1 "$1" | tr -d ' \n'
}

# Writes the bytes spelled by hex digits to a file.
hex_to_file() {
    printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" >"$2"
}

# expect_refusal DESCRIPTION MESSAGE_FRAGMENT COMMAND...: exit code 1, the
# fragment on stderr, nothing on stdout.
expect_refusal() {
    local description=$1 fragment=$2
    shift 2
    "$@" </dev/null >"$work/out" 2>"$work/err"
    local status=$?
    if [[ $status -ne 1 ]]; then
        fail "$description: exit code $status, expected 1"
    fi
    if ! grep -qF -- "$fragment" "$work/err"; then
        fail "$description: stderr lacks '$fragment': $(cat "$work/err")"
    fi
    if [[ -s $work/out ]]; then
        fail "$description: printed on stdout: $(cat "$work/out")"
    fi
}

# --- keygen and public-key -------------------------------------------------

key=$work/participant.pem
public_key=$("$sign_tool" keygen --key "$key") || fail "keygen exited $?"
[[ $public_key =~ ^[0-9a-f]{64}$ ]] || fail "keygen printed '$public_key', not 64 lowercase hex digits"
[[ $(stat -c %a "$key") == 600 ]] || fail "key file mode is $(stat -c %a "$key"), expected 600"
[[ $("$sign_tool" public-key --key "$key") == "$public_key" ]] || fail "public-key differs from keygen's output"

openssl pkey -in "$key" -pubout -outform DER 2>"$work/err" | tail -c 32 >"$work/openssl_public.bin" ||
    fail "openssl cannot read the key file: $(cat "$work/err")"
[[ $(hex_of_file "$work/openssl_public.bin") == "$public_key" ]] ||
    fail "openssl derives public key $(hex_of_file "$work/openssl_public.bin"), pgledger-sign $public_key"

other_key=$work/other.pem
other_public_key=$("$sign_tool" keygen --key "$other_key")
[[ $other_public_key != "$public_key" ]] || fail "two keygen runs made the same key"

openssl genpkey -algorithm ed25519 -out "$work/openssl.pem" 2>/dev/null
openssl pkey -in "$work/openssl.pem" -pubout -outform DER | tail -c 32 >"$work/openssl_made.bin"
[[ $("$sign_tool" public-key --key "$work/openssl.pem") == $(hex_of_file "$work/openssl_made.bin") ]] ||
    fail "public-key of a key made by openssl genpkey differs from openssl's"

# --- sign ---------------------------------------------------------------------

digest=$(openssl rand -hex 32)
signature=$("$sign_tool" sign --key "$key" "$digest") || fail "sign exited $?"
[[ $signature =~ ^[0-9a-f]{128}$ ]] || fail "sign printed '$signature', not 128 lowercase hex digits"

hex_to_file "$digest" "$work/digest.bin"
hex_to_file "$signature" "$work/signature.bin"
[[ $(stat -c %s "$work/digest.bin") == 32 && $(stat -c %s "$work/signature.bin") == 64 ]] ||
    fail "hex_to_file wrote the wrong number of bytes"
openssl pkeyutl -verify -rawin -inkey "$key" -in "$work/digest.bin" -sigfile "$work/signature.bin" \
    >"$work/out" 2>&1 || fail "openssl does not verify the signature: $(cat "$work/out")"

# The openssl check must be able to fail: another digest, the same signature.
hex_to_file "$(openssl rand -hex 32)" "$work/other_digest.bin"
if openssl pkeyutl -verify -rawin -inkey "$key" -in "$work/other_digest.bin" -sigfile "$work/signature.bin" \
    >/dev/null 2>&1; then
    fail "openssl verified the signature for another digest"
fi
if openssl pkeyutl -verify -rawin -inkey "$other_key" -in "$work/digest.bin" -sigfile "$work/signature.bin" \
    >/dev/null 2>&1; then
    fail "openssl verified the signature with another key"
fi

# Ed25519 is deterministic, so the psql spelling of the digest must give the
# very same signature.
[[ $("$sign_tool" sign --key "$key" "\\x$digest") == "$signature" ]] ||
    fail "sign with a \\x prefix gives another signature"
[[ $("$sign_tool" sign --key "$key" "${digest^^}") == "$signature" ]] ||
    fail "sign with upper-case hex gives another signature"

# --- refusals -----------------------------------------------------------------

expect_refusal "keygen over an existing file" "already exists" "$sign_tool" keygen --key "$key"
[[ $("$sign_tool" public-key --key "$key") == "$public_key" ]] || fail "refused keygen changed the key file"
expect_refusal "keygen in a missing directory" "No such file or directory" \
    "$sign_tool" keygen --key "$work/missing/key.pem"

expect_refusal "missing key file" "No such file or directory" "$sign_tool" public-key --key "$work/missing.pem"
expect_refusal "directory as key file" "not a regular file" "$sign_tool" public-key --key "$work"
: >"$work/empty.pem"
expect_refusal "empty key file" "Ed25519 private key" "$sign_tool" public-key --key "$work/empty.pem"
echo "not a key" >"$work/garbage.pem"
expect_refusal "garbage key file" "Ed25519 private key" "$sign_tool" sign --key "$work/garbage.pem" "$digest"
head -c 60 "$key" >"$work/truncated.pem"
expect_refusal "truncated key file" "Ed25519 private key" "$sign_tool" public-key --key "$work/truncated.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ec.pem" 2>/dev/null
expect_refusal "EC key file" "Ed25519 private key" "$sign_tool" public-key --key "$work/ec.pem"
openssl genpkey -algorithm X25519 -out "$work/x25519.pem" 2>/dev/null
expect_refusal "X25519 key file" "Ed25519 private key" "$sign_tool" sign --key "$work/x25519.pem" "$digest"
head -c 100000 /dev/zero >"$work/large.pem"
expect_refusal "oversized key file" "too large" "$sign_tool" public-key --key "$work/large.pem"

expect_refusal "short digest" "got 63 characters" "$sign_tool" sign --key "$key" "${digest:1}"
expect_refusal "long digest" "got 65 characters" "$sign_tool" sign --key "$key" "${digest}0"
expect_refusal "short digest after \\x" "got 62 characters" "$sign_tool" sign --key "$key" "\\x${digest:2}"
expect_refusal "empty digest" "got 0 characters" "$sign_tool" sign --key "$key" ""
expect_refusal "bad hex digit" "'g' at position 64" "$sign_tool" sign --key "$key" "${digest:0:63}g"
expect_refusal "bad hex digit after \\x" "'z' at position 3" "$sign_tool" sign --key "$key" "\\xz${digest:1}"
expect_refusal "digest with a space" "' ' at position 2" "$sign_tool" sign --key "$key" "${digest:0:1} ${digest:2}"
expect_refusal "sign with a missing key" "No such file or directory" \
    "$sign_tool" sign --key "$work/missing.pem" "$digest"

echo "INSERT INTO t VALUES (1);" >"$work/statements.sql"
: >"$work/blank.sql"
expect_refusal "run with a missing SQL file" "cannot open SQL file" \
    "$sign_tool" run --key "$key" --participant alice "$work/missing.sql"
expect_refusal "run with an empty SQL file" "no statements" \
    "$sign_tool" run --key "$key" --participant alice "$work/blank.sql"
expect_refusal "run with a missing key" "No such file or directory" \
    "$sign_tool" run --key "$work/missing.pem" --participant alice "$work/statements.sql"
expect_refusal "run without a server" "cannot connect" \
    "$sign_tool" run --key "$key" --participant alice --dbname "host=$work/no-socket-here port=1" \
    "$work/statements.sql"

# Usage errors exit as CLI11 decides, but never 0 and never silently.
for arguments in "" "sign --key $key" "keygen" "run --key $key $work/statements.sql" "frobnicate"; do
    # shellcheck disable=SC2086 # the arguments are split on purpose
    if "$sign_tool" $arguments >/dev/null 2>"$work/err"; then
        fail "usage error '$arguments' exited 0"
    fi
    [[ -s $work/err ]] || fail "usage error '$arguments' printed no message"
done

if [[ $failures -ne 0 ]]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "pgledger-sign: all checks passed"
