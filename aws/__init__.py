"""The AWS service model, and nothing of job.yaml: the CreateTrainingJob and tuning constraints
derived from botocore's and the aws CLI's models (aws/service_model.py), the rules a request
must meet (aws/request_rules.py), Java-style patterns (aws/java_regex.py), the Regions
(aws/regions.py) and what a tuning job takes of a training job (aws/tuning_definition.py)."""
