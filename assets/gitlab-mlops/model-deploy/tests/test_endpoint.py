"""Staging test: the endpoint is InService and answers a known abalone with a plausible number of rings.

Features (the order the model was trained with): sex_F,sex_I,sex_M,length,diameter,height,whole_weight,
shucked_weight,viscera_weight,shell_weight.
"""
import argparse
import re
import sys

import boto3

# A male abalone of average size: about 10 rings.
SAMPLE = "0,0,1,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21"
PLAUSIBLE_RINGS = (1.0, 29.0)


def parse_prediction(body):
    match = re.search(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", body)
    if not match:
        raise ValueError(f"no number in the endpoint's answer: {body!r}")
    return float(match.group(0))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint-name", required=True)
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)

    status = boto3.client("sagemaker", region_name=args.region).describe_endpoint(EndpointName=args.endpoint_name)["EndpointStatus"]
    if status != "InService":
        print(f"FAIL: endpoint {args.endpoint_name} is {status}, not InService", file=sys.stderr)
        return 1
    response = boto3.client("sagemaker-runtime", region_name=args.region).invoke_endpoint(
        EndpointName=args.endpoint_name, ContentType="text/csv", Accept="text/csv", Body=SAMPLE
    )
    prediction = parse_prediction(response["Body"].read().decode("utf-8"))
    low, high = PLAUSIBLE_RINGS
    if not low <= prediction <= high:
        print(f"FAIL: predicted {prediction} rings, expected between {low} and {high}", file=sys.stderr)
        return 1
    print(f"PASS: {args.endpoint_name} predicted {prediction:.2f} rings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
