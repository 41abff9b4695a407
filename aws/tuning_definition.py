"""What CreateHyperParameterTuningJob takes of a training job: the members of CreateTrainingJob
that its TrainingJobDefinition (HyperParameterTrainingJobDefinition) takes under the same name,
and the tuning job name's length. Facts of the API, read by the checks (spec/semantics.py) and
by the tuning request's builder (compiler/tuning_request.py).
"""

TUNING_JOB_NAME_MAX = 32

# The member of CreateTrainingJob's ResourceConfig that a tuning job's definition does not take:
# botocore's model (HyperParameterTuningResourceConfig) says "Hyperparameter tuning jobs use warm
# pools by default, which reuse clusters between training jobs", with the exception of
# KeepAlivePeriodInSeconds; the SDK leaves it out of the tuning request (v2 and v3).
WARM_POOL = "KeepAlivePeriodInSeconds"

# Members of CreateTrainingJob that HyperParameterTrainingJobDefinition takes under the same name.
DEFINITION_MEMBERS = (
    "AlgorithmSpecification",
    "RoleArn",
    "InputDataConfig",
    "VpcConfig",
    "OutputDataConfig",
    "ResourceConfig",
    "StoppingCondition",
    "EnableNetworkIsolation",
    "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining",
    "CheckpointConfig",
    "RetryStrategy",
    "Environment",
)
