import sys

from sagemaker_byoc.cli.main import main

sys.exit(main())
