"""The SageMaker SDK's hyperparameter names for a distribution (the toolkit's params.py).

The compiler writes job.yaml's distribution section under these names, JSON-encoded, so that
train (shim/train) reads the same keys whether the request came from this compiler or from the
SDK's PyTorch estimator.
"""

TORCH_DISTRIBUTED_ENABLED = "sagemaker_torch_distributed_enabled"
MPI_ENABLED = "sagemaker_mpi_enabled"
MPI_PROCESSES_PER_HOST = "sagemaker_mpi_num_of_processes_per_host"
MPI_CUSTOM_OPTIONS = "sagemaker_mpi_custom_mpi_options"
DISTRIBUTION_INSTANCE_GROUPS = "sagemaker_distribution_instance_groups"
DISTRIBUTION_HYPERPARAMETERS = frozenset(
    {TORCH_DISTRIBUTED_ENABLED, MPI_ENABLED, MPI_PROCESSES_PER_HOST, MPI_CUSTOM_OPTIONS, DISTRIBUTION_INSTANCE_GROUPS}
)
