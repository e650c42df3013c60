#!/usr/bin/env bash
# Create or update a CloudFormation stack and wait until it is done.
#   usage: deploy_stack.sh <stack-name> <template-file> <parameters-file>
# "No updates are to be performed" (the same model version deployed again, e.g. a re-run) counts as success.
# A stack left in ROLLBACK_COMPLETE by a failed first creation is deleted and created again.
set -euo pipefail

stack="$1"
template="$2"
parameters="$3"

role_args=()
if [[ -n "${CLOUDFORMATION_ROLE_ARN:-}" ]]; then role_args=(--role-arn "${CLOUDFORMATION_ROLE_ARN}"); fi
tags=(--tags "Key=sagemaker:project-name,Value=${SAGEMAKER_PROJECT_NAME}" "Key=sagemaker:project-id,Value=${SAGEMAKER_PROJECT_ID}")

show_failures() {
  aws cloudformation describe-stack-events --stack-name "${stack}" --max-items 25 \
    --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceStatusReason]" \
    --output table >&2 || true
}

status="$(aws cloudformation describe-stacks --stack-name "${stack}" --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo DOES_NOT_EXIST)"
echo "Stack ${stack}: ${status}"

case "${status}" in
  ROLLBACK_COMPLETE)
    echo "The first creation of ${stack} failed earlier; deleting it before creating it again."
    aws cloudformation delete-stack --stack-name "${stack}" "${role_args[@]}"
    aws cloudformation wait stack-delete-complete --stack-name "${stack}"
    status=DOES_NOT_EXIST
    ;;
  *_IN_PROGRESS)
    echo "Another operation is running on ${stack} (${status}); try again when it is done." >&2
    exit 1
    ;;
esac

if [[ "${status}" == DOES_NOT_EXIST ]]; then
  aws cloudformation create-stack --stack-name "${stack}" --template-body "file://${template}" \
    --parameters "file://${parameters}" "${role_args[@]}" "${tags[@]}" >/dev/null
  if ! aws cloudformation wait stack-create-complete --stack-name "${stack}"; then
    show_failures
    exit 1
  fi
else
  if ! output="$(aws cloudformation update-stack --stack-name "${stack}" --template-body "file://${template}" \
    --parameters "file://${parameters}" "${role_args[@]}" "${tags[@]}" 2>&1)"; then
    if grep -q "No updates are to be performed" <<<"${output}"; then
      echo "Stack ${stack} is already up to date."
      exit 0
    fi
    echo "${output}" >&2
    exit 1
  fi
  if ! aws cloudformation wait stack-update-complete --stack-name "${stack}"; then
    show_failures
    exit 1
  fi
fi

aws cloudformation describe-stacks --stack-name "${stack}" --query 'Stacks[0].[StackStatus,Outputs]' --output json
