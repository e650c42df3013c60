"""Create or update the SageMaker pipeline, start it and wait for the result (exit 1 when it fails)."""
import argparse
import sys

from pipelines.regression.pipeline import get_pipeline


def parse_parameters(pairs):
    out = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--parameters expects Name=Value, got {pair!r}")
        out[name] = value
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", required=True)
    parser.add_argument("--role-arn", required=True, help="SageMaker execution role the pipeline steps run with")
    parser.add_argument("--pipeline-name", required=True)
    parser.add_argument("--model-package-group-name", required=True)
    parser.add_argument("--default-bucket", required=True)
    parser.add_argument("--project-name", required=True)
    parser.add_argument("--project-id", required=True)
    parser.add_argument("--parameters", nargs="*", help="pipeline parameter overrides, Name=Value")
    parser.add_argument("--no-wait", action="store_true")
    args = parser.parse_args(argv)

    pipeline = get_pipeline(
        region=args.region,
        role_arn=args.role_arn,
        default_bucket=args.default_bucket,
        model_package_group_name=args.model_package_group_name,
        pipeline_name=args.pipeline_name,
        base_job_prefix=args.project_name,
    )
    tags = [
        {"Key": "sagemaker:project-name", "Value": args.project_name},
        {"Key": "sagemaker:project-id", "Value": args.project_id},
    ]
    pipeline.upsert(role_arn=args.role_arn, tags=tags)
    execution = pipeline.start(parameters=parse_parameters(args.parameters))
    print(f"Started {execution.arn}")
    if args.no_wait:
        return 0
    try:
        execution.wait(delay=60, max_attempts=170)
    except Exception as error:  # the waiter raises when the execution fails or stops
        for step in execution.list_steps():
            print(f"{step['StepName']}: {step['StepStatus']} {step.get('FailureReason', '')}")
        print(f"Pipeline execution did not succeed: {error}", file=sys.stderr)
        return 1
    for step in execution.list_steps():
        print(f"{step['StepName']}: {step['StepStatus']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
