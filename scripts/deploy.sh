#!/usr/bin/env bash
# Deploys bulkqa to your AWS account with the AWS CLI: builds the three Lambda packages, uploads
# them and the label corpus to a bucket you name, and creates or updates the CloudFormation stack.
# --dry-run prints every command instead of running it.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
Usage: scripts/deploy.sh --bucket NAME [options]

  --bucket NAME          your S3 bucket for the packages and the corpus (required; it must exist)
  --stack-name NAME      the CloudFormation stack (default: bulkqa)
  --region REGION        the AWS region (default: the AWS CLI's own setting)
  --corpus FILE          the labeled CSV (default: samples/smallsample.csv)
  --image-bucket NAME    the bucket holding the images the corpus names (default: --bucket)
  --image-prefix PREFIX  put before each image_local_path (default: images/)
  --images DIR           upload this folder's images under the prefix first
  --table NAME           the DynamoDB table (default: bulkqa-images)
  --batch-size N         images per review task (default: 25)
  --min-confidence N     leave out rows below this confidence (default: 80)
  --images-in-place      review the images where they are instead of copying them into the stack
                         bucket (the image bucket then needs the CORS rule the README gives)
  --concurrency N        requests launch keeps in flight, 1 to 1024 (default: 64)
  --assume-event-role    post-labeling reads Ground Truth's output as the labeling job's role
  --build-dir DIR        where the packages are built (default: build-release)
  --dry-run              print every command, run none
EOF
}

fail() {
  echo "deploy: $*" >&2
  exit 2
}

bucket="" stack_name="bulkqa" region="" corpus="samples/smallsample.csv" image_bucket=""
image_prefix="images/" images="" table="bulkqa-images" batch_size="25" min_confidence="80"
assume_event_role="false" copy_images="true" concurrency="64" build_dir="build-release"
dry_run=false

while [ $# -gt 0 ]; do
  option="$1"
  case "$option" in
    --assume-event-role) assume_event_role="true"; shift; continue ;;
    --images-in-place) copy_images="false"; shift; continue ;;
    --dry-run) dry_run=true; shift; continue ;;
    -h | --help) usage; exit 0 ;;
    --bucket | --stack-name | --region | --corpus | --image-bucket | --image-prefix | --images | \
      --table | --batch-size | --min-confidence | --concurrency | --build-dir)
      [ $# -ge 2 ] || fail "$option needs a value"
      value="$2"
      shift 2 ;;
    *) usage >&2; fail "unknown option '$option'" ;;
  esac
  case "$option" in
    --bucket) bucket="$value" ;;
    --stack-name) stack_name="$value" ;;
    --region) region="$value" ;;
    --corpus) corpus="$value" ;;
    --image-bucket) image_bucket="$value" ;;
    --image-prefix) image_prefix="$value" ;;
    --images) images="$value" ;;
    --table) table="$value" ;;
    --batch-size) batch_size="$value" ;;
    --min-confidence) min_confidence="$value" ;;
    --concurrency) concurrency="$value" ;;
    --build-dir) build_dir="$value" ;;
  esac
done

[ -n "$bucket" ] || { usage >&2; fail "--bucket is required"; }
[ -f "$corpus" ] || fail "--corpus: no file '$corpus'"
[ -z "$images" ] || [ -d "$images" ] || fail "--images: no folder '$images'"
[[ "$batch_size" =~ ^[0-9]+$ ]] || fail "--batch-size: '$batch_size' is not a whole number"
if ! [[ "$concurrency" =~ ^[1-9][0-9]{0,3}$ ]] || [ "$concurrency" -gt 1024 ]; then
  fail "--concurrency: '$concurrency' is not a whole number from 1 to 1024"
fi
[[ "$min_confidence" =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "--min-confidence: '$min_confidence' is not a number"
image_bucket="${image_bucket:-$bucket}"

case "$(uname -m)" in
  x86_64) architecture=x86_64 ;;
  aarch64 | arm64) architecture=arm64 ;;
  *) fail "Lambda runs x86_64 or arm64, not $(uname -m)" ;;
esac

aws_options=()
[ -z "$region" ] || aws_options+=(--region "$region")

# Prints the command, shell-quoted; runs it unless this is a dry run.
run() {
  printf '%q ' "$@" | sed 's/ $//'
  echo
  if ! $dry_run; then "$@"; fi
}

# A package's key carries its content hash: CloudFormation updates a function only when its
# code's key changes. A dry run builds nothing, so it shows where the hash goes.
package_key() {
  local zip="$build_dir/dist/$1.zip"
  local hash="SHA256"
  if ! $dry_run; then hash="$(sha256sum "$zip" | cut -c1-16)"; fi
  echo "bulkqa/packages/$1-$hash.zip"
}

run cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBULKQA_BUILD_TESTS=OFF \
  -DBULKQA_BUILD_BENCH=OFF
run cmake --build "$build_dir" --target lambda-packages

declare -A keys
for package in launch pre-labeling post-labeling; do
  keys[$package]="$(package_key "$package")"
  run aws "${aws_options[@]}" s3 cp "$build_dir/dist/$package.zip" "s3://$bucket/${keys[$package]}"
done

corpus_key="bulkqa/corpus/$(basename "$corpus")"
run aws "${aws_options[@]}" s3 cp "$corpus" "s3://$bucket/$corpus_key"
if [ -n "$images" ]; then
  run aws "${aws_options[@]}" s3 sync "$images" "s3://$image_bucket/$image_prefix"
fi

run aws "${aws_options[@]}" cloudformation deploy \
  --template-file cloudformation/bulkqa.yaml \
  --stack-name "$stack_name" \
  --capabilities CAPABILITY_IAM \
  --parameter-overrides \
  "LaunchBucket=$bucket" \
  "LaunchPackageKey=${keys[launch]}" \
  "PreLabelingPackageKey=${keys[pre-labeling]}" \
  "PostLabelingPackageKey=${keys[post-labeling]}" \
  "LabelCorpusKey=$corpus_key" \
  "ImageSourceBucket=$image_bucket" \
  "ImageSourcePrefix=$image_prefix" \
  "TableName=$table" \
  "QABatchSize=$batch_size" \
  "MinConfidence=$min_confidence" \
  "Architecture=$architecture" \
  "AssumeEventRole=$assume_event_role" \
  "CopyImages=$copy_images" \
  "Concurrency=$concurrency"

run aws "${aws_options[@]}" cloudformation describe-stacks --stack-name "$stack_name" \
  --query "Stacks[0].Outputs" --output table
