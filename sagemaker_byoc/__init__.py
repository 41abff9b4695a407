"""sagemaker-byoc: one job.yaml -> the artifacts of a SageMaker bring-your-own-container training job.

The import package. Its subpackages are the repository's top-level folders (text/, aws/, spec/,
compiler/, local/, submit/, cli/, and shim/ and schemas/ as data): `pip install` copies them in
here (pyproject.toml's package-dir), and in a checkout, where they are not here, the package's
search path takes in the folder above, so that the one import name works without links and
cannot clash with another project's `spec` or `compiler`.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"  # pyproject.toml's version (tests/test_import_names.py keeps them equal)

_HERE = _Path(__file__).resolve().parent
if not (_HERE / "spec").is_dir():  # a checkout: the subpackages are the folders beside this one
    __path__.append(str(_HERE.parent))
