#!/usr/bin/env bash
# Copies N small objects (default 5,000) across accounts through the
# emulator four ways, in the same run, and prints each one's wall time:
#   engine  - `xacct copy` (the s3copy engine, 32 copies in flight)
#   seed    - the Qiita article's handler (seed 003: boto3, one copy at a time)
#   awscli  - `aws s3 cp --recursive` (server-side copies, its default 10 threads)
#   s5cmd   - `s5cmd cp` v2.3.0 (server-side copies, its default 256 workers)
# All four run with the same assumed target-account role, reading the home
# bucket through its bucket policy, as the seed does.
# Usage: scripts/bench-copy.sh [objects]
# s5cmd: built from the module proxy in a scratch module (kept out of
# go.mod): set S5CMD=/path/to/s5cmd, or the script builds it into $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/xacct" ./cmd/xacct
if [ -z "${S5CMD:-}" ]; then
  (cd "$tmp" && mkdir s5 && cd s5 && go mod init s5scratch >/dev/null 2>&1 &&
    go get -tool github.com/peak/s5cmd/v2@v2.3.0 >/dev/null 2>&1 && GOBIN="$tmp" go install github.com/peak/s5cmd/v2)
  S5CMD="$tmp/s5cmd"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$tmp/xacct" serve --quiet --addr "127.0.0.1:$PORT" &
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT" && break; sleep 0.05; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
HOME_ENV=(AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=test)
TARGET_ENV=(AWS_ACCESS_KEY_ID=222222222222 AWS_SECRET_ACCESS_KEY=test)
ROLE=arn:aws:iam::222222222222:role/bench-copier

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), $(aws --version 2>&1 | cut -d' ' -f1), s5cmd $("$S5CMD" version | head -1)"
env "${TARGET_ENV[@]}" aws iam create-role --role-name bench-copier --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}}' >/dev/null
env "${TARGET_ENV[@]}" aws iam put-role-policy --role-name bench-copier --policy-name copy --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject","s3:PutObject"],"Resource":"*"}]}'
env "${HOME_ENV[@]}" aws s3 mb s3://bench-src >/dev/null
env "${HOME_ENV[@]}" aws s3api put-bucket-policy --bucket bench-src --policy \
  "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$ROLE\"},\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":[\"arn:aws:s3:::bench-src\",\"arn:aws:s3:::bench-src/*\"]}}"
for d in engine seed awscli s5cmd; do env "${TARGET_ENV[@]}" aws s3 mb "s3://bench-dst-$d" >/dev/null; done
env "${HOME_ENV[@]}" python3 - "$N" <<'PY'
import sys, boto3, concurrent.futures as cf
s3 = boto3.client("s3")
n = int(sys.argv[1])
def put(i): s3.put_object(Bucket="bench-src", Key=f"data/{i:05d}.txt", Body=f"object {i}\n".encode())
with cf.ThreadPoolExecutor(16) as ex: list(ex.map(put, range(n)))
PY
echo "objects: $N under s3://bench-src/data/ (account 111111111111) -> account 222222222222"
# The root user may not assume roles (AccessDenied, as in AWS): the copies
# run as an IAM user of the home account.
env "${HOME_ENV[@]}" aws iam create-user --user-name bench >/dev/null
env "${HOME_ENV[@]}" aws iam attach-user-policy --user-name bench --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
read -r KEY SECRET < <(env "${HOME_ENV[@]}" aws iam create-access-key --user-name bench --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
HOME_ENV=(AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET")

now() { date +%s.%N; }
report() { python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print(f'{sys.argv[3]:7s} {t:7.2f} s  {int(sys.argv[4])/t:8.0f} objects/s')" "$@"; }
count() { env "${TARGET_ENV[@]}" aws s3 ls --recursive "s3://$1/" | wc -l; }

t0=$(now)
env "${HOME_ENV[@]}" "$tmp/xacct" copy --quiet --source-bucket bench-src --prefix data/ --target-bucket bench-dst-engine --role-arn "$ROLE" --concurrency 32 --acl "" >/dev/null
t1=$(now); report "$t0" "$t1" engine "$N"; E=$(python3 -c "print($t1-$t0)")

t0=$(now)
env "${HOME_ENV[@]}" s3_bucket=bench-src s3_key=data/ target_s3_bucket=bench-dst-seed target_account_role_arn="$ROLE" \
  PYTHONPATH=emulator/lambda/testdata/seed003 python3 -c 'import logging, lambda_function as f; logging.disable(logging.INFO); print(f.lambda_handler({}, None)["statusCode"])' >/dev/null
t1=$(now); report "$t0" "$t1" seed "$N"; S=$(python3 -c "print($t1-$t0)")

eval "$(env "${HOME_ENV[@]}" "$tmp/xacct" assume "$ROLE" --no-cache | grep ^export)"
t0=$(now)
aws s3 cp --recursive --quiet s3://bench-src/data/ s3://bench-dst-awscli/data/
t1=$(now); report "$t0" "$t1" awscli "$N"; A=$(python3 -c "print($t1-$t0)")

t0=$(now)
"$S5CMD" --endpoint-url "$AWS_ENDPOINT_URL" cp 's3://bench-src/data/*' s3://bench-dst-s5cmd/data/ >/dev/null
t1=$(now); report "$t0" "$t1" s5cmd "$N"; F=$(python3 -c "print($t1-$t0)")
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

for d in engine seed awscli s5cmd; do echo "copied by $d: $(count bench-dst-$d)"; done
python3 -c "e,s,a,f=$E,$S,$A,$F; print(f'engine vs seed loop: {s/e:.1f}x faster; vs aws s3 cp: {a/e:.1f}x; vs s5cmd: {f/e:.1f}x')"
