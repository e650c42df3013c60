"""Resolve the model version to deploy and write the CloudFormation parameter files of both stages.

The version is MODEL_PACKAGE_ARN when given (set by the deploy trigger), else the latest approved version of the
group. Anything that is not an Approved version of this project's group is refused.
"""
import argparse
import json
import os
import sys

import boto3

STAGES = ("staging", "prod")


def resolve_model_package(sagemaker, group, arn):
    if not arn:
        page = sagemaker.list_model_packages(
            ModelPackageGroupName=group, ModelApprovalStatus="Approved", SortBy="CreationTime", SortOrder="Descending", MaxResults=1
        )
        if not page["ModelPackageSummaryList"]:
            raise SystemExit(f"No approved model version in {group}: approve one in the model registry first.")
        arn = page["ModelPackageSummaryList"][0]["ModelPackageArn"]
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    if package.get("ModelPackageGroupName") != group:
        raise SystemExit(f"Refusing to deploy {arn}: it belongs to {package.get('ModelPackageGroupName')}, not {group}.")
    if package.get("ModelApprovalStatus") != "Approved":
        raise SystemExit(f"Refusing to deploy {arn}: its status is {package.get('ModelApprovalStatus')}, not Approved.")
    return package


def parameters_for(stage, package, config):
    values = {
        "SageMakerProjectName": os.environ["SAGEMAKER_PROJECT_NAME"],
        "SageMakerProjectId": os.environ["SAGEMAKER_PROJECT_ID"],
        "ModelPackageArn": package["ModelPackageArn"],
        "ModelExecutionRoleArn": os.environ["MODEL_EXECUTION_ROLE_ARN"],
        "EndpointName": os.environ["STAGING_ENDPOINT_NAME" if stage == "staging" else "PROD_ENDPOINT_NAME"],
        "StageName": stage,
        "EndpointInstanceType": config["InstanceType"],
        "EndpointInstanceCount": str(config["InstanceCount"]),
        "DataCaptureS3Uri": f"s3://{os.environ['ARTIFACT_BUCKET']}/data-capture/{stage}" if config.get("DataCapture") else "",
    }
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-package-group-name", required=True)
    parser.add_argument("--model-package-arn", default="")
    parser.add_argument("--out-dir", default="build")
    args = parser.parse_args(argv)

    package = resolve_model_package(boto3.client("sagemaker"), args.model_package_group_name, args.model_package_arn.strip())
    print(f"Deploying {package['ModelPackageArn']} (version {package.get('ModelPackageVersion')})")
    os.makedirs(args.out_dir, exist_ok=True)
    for stage in STAGES:
        with open(f"{stage}-config.json") as f:
            config = json.load(f)
        with open(os.path.join(args.out_dir, f"{stage}-parameters.json"), "w") as f:
            json.dump(parameters_for(stage, package, config), f, indent=2)
    with open(os.path.join(args.out_dir, "model-package.json"), "w") as f:
        json.dump({"ModelPackageArn": package["ModelPackageArn"], "ModelPackageVersion": package.get("ModelPackageVersion")}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
