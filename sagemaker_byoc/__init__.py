"""sagemaker-byoc: one job.yaml -> the artifacts of a SageMaker bring-your-own-container training job.

The import package. Its subpackages are the repository's top-level folders (`spec/`, `compiler/`,
and `shim/` and `schemas/` as data), linked here in a checkout and copied here by `pip install`,
so that the installed import names cannot clash with another project's `spec` or `compiler`.
"""
