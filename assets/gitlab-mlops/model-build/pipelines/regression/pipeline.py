"""SageMaker pipeline definition: preprocess -> train -> evaluate -> register when MSE <= threshold.

Uses the SageMaker Python SDK v2 workflow API (see requirements.txt).
"""
import os

import sagemaker
from sagemaker import image_uris
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

HERE = os.path.dirname(os.path.abspath(__file__))
XGBOOST_VERSION = "1.7-1"
SKLEARN_VERSION = "1.2-1"


def get_pipeline(region, role_arn, default_bucket, model_package_group_name, pipeline_name, base_job_prefix):
    """The pipeline, ready for ``upsert``. All run-time knobs are pipeline parameters."""
    session = PipelineSession(boto_session=sagemaker.Session().boto_session, default_bucket=default_bucket)
    prefix = f"s3://{default_bucket}/{base_job_prefix}"

    processing_instance_type = ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge")
    training_instance_type = ParameterString("TrainingInstanceType", default_value="ml.m5.xlarge")
    training_instance_count = ParameterInteger("TrainingInstanceCount", default_value=1)
    approval_status = ParameterString("ModelApprovalStatus", default_value="PendingManualApproval")
    input_data = ParameterString(
        "InputDataUrl",
        default_value="s3://sagemaker-sample-files/datasets/tabular/uci_abalone/abalone.csv",
    )
    mse_threshold = ParameterFloat("MseThreshold", default_value=6.0)

    # 1. Preprocess.
    processor = SKLearnProcessor(
        framework_version=SKLEARN_VERSION,
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name=f"{base_job_prefix}-preprocess",
        role=role_arn,
        sagemaker_session=session,
    )
    step_process = ProcessingStep(
        name="Preprocess",
        step_args=processor.run(
            code=os.path.join(HERE, "preprocess.py"),
            inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
            outputs=[
                ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
                ProcessingOutput(output_name="validation", source="/opt/ml/processing/validation"),
                ProcessingOutput(output_name="test", source="/opt/ml/processing/test"),
            ],
        ),
    )
    outputs = step_process.properties.ProcessingOutputConfig.Outputs

    # 2. Train.
    image_uri = image_uris.retrieve(framework="xgboost", region=region, version=XGBOOST_VERSION, py_version="py3", instance_type="ml.m5.xlarge")
    estimator = Estimator(
        image_uri=image_uri,
        instance_type=training_instance_type,
        instance_count=training_instance_count,
        output_path=f"{prefix}/models",
        base_job_name=f"{base_job_prefix}-train",
        role=role_arn,
        sagemaker_session=session,
    )
    estimator.set_hyperparameters(
        objective="reg:squarederror", num_round=100, max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.7
    )
    step_train = TrainingStep(
        name="Train",
        step_args=estimator.fit(
            inputs={
                "train": TrainingInput(s3_data=outputs["train"].S3Output.S3Uri, content_type="text/csv"),
                "validation": TrainingInput(s3_data=outputs["validation"].S3Output.S3Uri, content_type="text/csv"),
            }
        ),
    )

    # 3. Evaluate.
    evaluator = ScriptProcessor(
        image_uri=image_uri,
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name=f"{base_job_prefix}-evaluate",
        role=role_arn,
        sagemaker_session=session,
    )
    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    step_evaluate = ProcessingStep(
        name="Evaluate",
        step_args=evaluator.run(
            code=os.path.join(HERE, "evaluate.py"),
            inputs=[
                ProcessingInput(source=step_train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model"),
                ProcessingInput(source=outputs["test"].S3Output.S3Uri, destination="/opt/ml/processing/test"),
            ],
            outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
        ),
        property_files=[evaluation_report],
    )

    # 4. Register when good enough, else fail with the measured error.
    evaluation_uri = step_evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri
    model = Model(
        image_uri=image_uri,
        model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts,
        role=role_arn,
        sagemaker_session=session,
    )
    step_register = ModelStep(
        name="Register",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.t2.medium", "ml.m5.large", "ml.m5.xlarge"],
            transform_instances=["ml.m5.large"],
            model_package_group_name=model_package_group_name,
            approval_status=approval_status,
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    s3_uri=Join(on="/", values=[evaluation_uri, "evaluation.json"]), content_type="application/json"
                )
            ),
        ),
    )
    mse = JsonGet(step_name=step_evaluate.name, property_file=evaluation_report, json_path="regression_metrics.mse.value")
    step_fail = FailStep(name="MseAboveThreshold", error_message=Join(on=" ", values=["MSE", mse, "is above the threshold", mse_threshold]))
    step_condition = ConditionStep(
        name="MseBelowThreshold",
        conditions=[ConditionLessThanOrEqualTo(left=mse, right=mse_threshold)],
        if_steps=[step_register],
        else_steps=[step_fail],
    )

    return Pipeline(
        name=pipeline_name,
        parameters=[
            processing_instance_type,
            training_instance_type,
            training_instance_count,
            approval_status,
            input_data,
            mse_threshold,
        ],
        steps=[step_process, step_train, step_evaluate, step_condition],
        sagemaker_session=session,
    )
