import sys

from sagemaker_byoc.compiler.cli import main

sys.exit(main())
